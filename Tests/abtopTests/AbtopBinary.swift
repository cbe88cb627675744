import Foundation
import Synchronization

/// Runs the built `abtop` binary as a user would, capturing its output and exit code.
enum AbtopBinary {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The binary beside the test bundle (SwiftPM builds both into the same folder).
    static var url: URL {
        let candidates = [
            Bundle.main.executableURL?.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            packageRoot.appendingPathComponent(".build/debug"),
        ]
        for dir in candidates.compactMap({ $0 }) {
            let binary = dir.appendingPathComponent("abtop")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        return packageRoot.appendingPathComponent(".build/debug/abtop")
    }

    /// Runs `abtop args…` in the package root (or `directory`) with exactly `environment` (plus PATH), so no real
    /// key leaks in. `limits` (e.g. `ulimit -f 200`) runs it through bash with those limits set first. The wait
    /// happens on a thread of its own, not on one of the few threads of Swift's cooperative pool: a test blocked
    /// there for seconds starves every other test's tasks.
    static func run(
        _ args: [String], environment: [String: String] = [:], in directory: URL? = nil,
        limits: String? = nil
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Swift.Result {
                        try runBlocking(args, environment: environment, in: directory, limits: limits)
                    })
            }.start()
        }
    }

    private static func runBlocking(
        _ args: [String], environment: [String: String], in directory: URL?, limits: String?
    ) throws -> Result {
        let env = environment.merging(["PATH": "/usr/bin:/bin", "XDG_DATA_HOME": scratch.path]) { a, _ in a }
        let executable: String
        let arguments: [String]
        if let limits {
            executable = "/bin/bash"
            let quoted = args.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            arguments = ["-c", "\(limits); exec '\(url.path)' \(quoted)"]
        } else {
            executable = url.path
            arguments = args
        }
        // Every run gets a journal of its own under a temporary XDG_DATA_HOME, unless the test gives one.
        let child = try ChildProcess(
            executable, arguments, environment: env, directory: (directory ?? packageRoot).path)
        // Both pipes drain at once: read one after the other, a child that fills the other pipe's buffer (64 KiB of
        // stderr while stdout is read) would wait on it forever, and so would the test.
        let stderrData = Mutex(Data())
        let stderrRead = DispatchSemaphore(value: 0)
        Thread {
            let data = child.stderr!.readDataToEndOfFile()
            stderrData.withLock { $0 = data }
            stderrRead.signal()
        }.start()
        let stdout = child.stdout!.readDataToEndOfFile()
        stderrRead.wait()
        let stderr = stderrData.withLock { $0 }
        let status = child.wait()
        return Result(
            status: status, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A scratch folder for this test process (journals and files).
    static let scratch: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("abtop-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// Writes `text` to a new temporary file and returns its path.
    static func temporaryFile(_ text: String, name: String = "endpoint.json") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("abtop-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
