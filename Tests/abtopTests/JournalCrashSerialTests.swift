import ABCore
import Foundation
import Testing

/// A headless run killed with `kill -9` halfway: the journal survives intact, holds every request the run had
/// reported finished, and `abtop report --last` renders from it.
@Suite(.serialized, .timeLimit(.minutes(2))) struct JournalCrashSerialTests {
    @Test func killNineLosesNothingThatHadFinished() async throws {
        let (server, port) = try await RunCommandTests.mockServer()
        defer { server.terminate() }
        let db = AbtopBinary.scratch.appendingPathComponent("crash-\(UUID().uuidString).sqlite").path
        let process = try ChildProcess(
            AbtopBinary.url.path,
            [
                "run", try RunCommandTests.endpoint(port: port), "--headless", "--rate", "300",
                "--duration", "60", "--store", db,
            ], environment: RunCommandTests.keys.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a },
            directory: AbtopBinary.packageRoot.path, stdout: .discard)
        // Read progress lines ("[2.0 s] 512 requests …") until two say over 100 requests finished (for 30 s, checked
        // at each line, which comes every second: a debug build can take seconds to start on a busy machine), then
        // kill -9.
        @Sendable func counts(_ progress: String) -> [Int] {
            progress.split(separator: "\n").compactMap { line -> Int? in
                guard let r = line.range(of: #"\] (\d+) requests"#, options: .regularExpression) else { return nil }
                return Int(line[r].dropFirst(2).split(separator: " ")[0])
            }
        }
        // (Read on a thread of its own, not on one of the cooperative pool's few threads.)
        let handle = process.stderr!
        let progress = await withCheckedContinuation { continuation in
            Thread {
                var progress = ""
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline && counts(progress).filter({ $0 > 100 }).count < 2 {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    progress += String(decoding: data, as: UTF8.self)
                }
                continuation.resume(returning: progress)
            }.start()
        }
        kill(process.pid, SIGKILL)
        process.wait()
        let counts = counts(progress)
        let reported = try #require(counts.last, "no progress lines: \(progress)")
        #expect(reported > 100)

        let sessions = try await AbtopBinary.run(["sessions", "--store", db])
        #expect(sessions.stdout.contains("(unfinished)"))
        let report = try await AbtopBinary.run(["report", "--last", "--format", "json", "--store", db])
        #expect(report.status == 0, "\(report.stderr)")
        let json = try JSONParser.parse(report.stdout)
        let stored = try #require(json[key: "requests"]?.intValue)
        #expect(stored >= reported, "journal holds \(stored); the run had reported \(reported) finished")
        let integrity = try await AbtopBinary.run(["report", "--last", "--format", "md", "--store", db])
        #expect(integrity.status == 0 && integrity.stdout.contains("# abtop report"))
        let sqlite = try ChildProcess(
            "/usr/bin/python3",
            [
                "-c",
                "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])",
                db,
            ], environment: ["PATH": "/usr/bin:/bin"], stderr: .discard)
        let checked = sqlite.stdout!.readDataToEndOfFile()
        sqlite.wait()
        #expect(String(decoding: checked, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
    }
}
