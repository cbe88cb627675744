import ABCore
import ABStore
import Foundation
import Testing

/// The journal and reports, end to end with the real binary.
@Suite struct JournalTests {
    func store() -> String { AbtopBinary.scratch.appendingPathComponent("journal-\(UUID().uuidString).sqlite").path }

    @Test func reportNumbersEqualWhatTheRunPrinted() async throws {
        let (server, port) = try await RunCommandTests.mockServer(profile: "flaky")
        defer { server.terminate() }
        let db = store()
        let run = try await AbtopBinary.run(
            [
                "run", try RunCommandTests.endpoint(port: port), "--headless", "--json", "--quiet",
                "--requests", "150", "--concurrency", "32", "--seed", "4", "--store", db,
            ],
            environment: RunCommandTests.keys)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try await AbtopBinary.run(["report", "--last", "--format", "json", "--store", db])
        #expect(report.status == 0, "\(report.stderr)")
        let printed = try JSONParser.parse(run.stdout)
        let stored = try JSONParser.parse(report.stdout)
        #expect(stored[key: "requests"] == printed[key: "requests"])
        let a = try #require(printed[key: "entities"]?.arrayValue)
        let b = try #require(stored[key: "entities"]?.arrayValue)
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            for field in [
                "name", "requests", "successes", "errors", "retries", "fallbacks", "latency_ms", "ttft_ms",
                "tpot_ms", "tokens", "cost_usd", "observed_share",
            ] {
                #expect(
                    x[key: field] == y[key: field],
                    "\(field): \(String(describing: x[key: field])) vs \(String(describing: y[key: field]))")
            }
        }
        #expect(printed[key: "verdicts"] == stored[key: "verdicts"])
        #expect(printed[key: "srm"] == stored[key: "srm"])
        #expect(stored[key: "epochs"]?.arrayValue?.count == 1)

        let md = try await AbtopBinary.run(["report", "--last", "--format", "md", "--store", db])
        #expect(md.stdout.contains("| entity | model | target |") && md.stdout.contains("## Is the difference real?"))
        let csv = try await AbtopBinary.run(["report", "--last", "--format", "csv", "--store", db])
        #expect(csv.stdout.split(separator: "\n").count >= 151, "a header and a row per request (fallbacks included)")
        let html = try await AbtopBinary.run(["report", "--last", "--format", "html", "--store", db])
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>") && html.stdout.hasSuffix("</html>\n"))
        #expect(html.stdout.components(separatedBy: "<svg").count - 1 == 3, "latency CDF, share and error rate charts")
        #expect(html.stdout.components(separatedBy: "<polyline").count - 1 >= 4)
        for external in ["<script", "<link", "src=", "href=", "url("] {
            #expect(!html.stdout.contains(external), "self-contained: no scripts, no external resources (\(external))")
        }
        let sessions = try await AbtopBinary.run(["sessions", "--store", db])
        #expect(sessions.stdout.contains("cli-test") && sessions.stdout.contains("150"))
    }

    @Test func noSecretReachesTheJournalOrAnyReport() async throws {
        let (server, port) = try await RunCommandTests.mockServer()
        defer { server.terminate() }
        let secret = "sk-plaintext-MUST-NOT-BE-STORED-42"
        let config = try AbtopBinary.temporaryFile(
            """
            {"served_entities": [{"name": "e", "external_model": {"name": "m", "provider": "openai", "task": "llm/v1/chat",
              "openai_config": {"openai_api_key_plaintext": "\(secret)"}}}],
             "abtop": {"entities": {"e": {"base_url": "http://127.0.0.1:\(port)/v1"}}}}
            """)
        let envSecret = "sk-env-MUST-NOT-BE-STORED-43"
        let db = store()
        let dir = AbtopBinary.scratch.appendingPathComponent("reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let run = try await AbtopBinary.run(
            [
                "run", config, "--headless", "--requests", "20", "--quiet", "--store", db,
                "--report", dir.appendingPathComponent("r.md").path,
            ],
            environment: ["OPENAI_API_KEY": envSecret])
        #expect(run.status == 0, "\(run.stderr)")
        for format in ["json", "csv", "html"] {
            _ = try await AbtopBinary.run([
                "report", "--last", "--format", format, "--store", db,
                "-o", dir.appendingPathComponent("r.\(format)").path,
            ])
        }
        var files = [db, db + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        files += try FileManager.default.contentsOfDirectory(atPath: dir.path).map {
            dir.appendingPathComponent($0).path
        }
        #expect(files.count >= 5)
        for file in files {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds the key")
            #expect(bytes.range(of: Data(envSecret.utf8)) == nil, "\(file) holds the key")
        }
        let json = try String(contentsOfFile: dir.appendingPathComponent("r.json").path, encoding: .utf8)
        #expect(json.contains("\"openai_api_key_plaintext\": \"‹redacted›\""))
    }
}

/// Issue 26, item 4: `abtop diff` on two sessions of the same prompts against two mock profiles lists the
/// regressions, and its figures equal each session's own report.
@Suite struct DiffCommandTests {
    @Test func diffListsTheRegressionsAndItsFiguresEqualEachReport() async throws {
        let broken = try AbtopBinary.temporaryFile(
            #"{"profile": "fast", "errors": {"500": 0.5}, "retry_after_s": 0}"#, name: "broken.json")
        let (good, goodPort) = try await RunCommandTests.mockServer()
        defer { good.terminate() }
        let (bad, badPort) = try await RunCommandTests.mockServer(profile: broken)
        defer { bad.terminate() }
        let db = AbtopBinary.scratch.appendingPathComponent("diff-\(UUID().uuidString).sqlite").path
        for port in [goodPort, badPort] {
            let r = try await AbtopBinary.run(
                [
                    // No retries and no breaker: each prompt's first request is what it is, at once.
                    "run",
                    try RunCommandTests.endpoint(
                        port: port, abtop: #""retries": {"max": 0}, "breaker": {"failures": 1000}"#),
                    "--headless", "--quiet", "--requests", "60",
                    "--concurrency", "4", "--seed", "5", "--store", db,
                ], environment: RunCommandTests.keys)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let diff = try await AbtopBinary.run(["diff", "1", "2", "--json", "--store", db])
        #expect(diff.status == 0, "\(diff.stderr)")
        let json = try JSONParser.parse(diff.stdout)
        let entities = try #require(json[key: "entities"]?.arrayValue)
        #expect(entities.compactMap { $0[key: "entity"]?.stringValue } == ["oa", "an"])
        let regressions = entities.flatMap { $0[key: "regressions"]?.arrayValue ?? [] }
        #expect(!regressions.isEmpty, "half the requests of session 2 fail: some prompt that answered in 1 must fail")
        #expect(
            regressions.allSatisfy { $0[key: "after"]?.stringValue?.hasPrefix("failed (") == true },
            "\(regressions.map { $0.rendered() })")
        // Each session's figures are its own report's.
        for (i, session) in ["1", "2"].enumerated() {
            let report = try JSONParser.parse(
                try await AbtopBinary.run(["report", session, "--format", "json", "--store", db]).stdout)
            for e in report[key: "entities"]?.arrayValue ?? [] {
                let name = e[key: "name"]?.stringValue
                let figures = entities.first { $0[key: "entity"]?.stringValue == name }?[key: "sessions"]?[index: i]
                #expect(figures?[key: "requests"] == e[key: "requests"], "\(session) \(name ?? "")")
                // The report counts errors by kind; the diff gives their total.
                let total = (e[key: "errors"]?.objectValue?.members ?? []).reduce(0) { $0 + ($1.value.intValue ?? 0) }
                #expect(figures?[key: "errors"]?.intValue == total, "\(session) \(name ?? "")")
            }
        }
        let text = try await AbtopBinary.run(["diff", "1", "2", "--store", db])
        #expect(text.stdout.contains("abtop diff: session 2 against session 1") && text.stdout.contains("got worse:"))
        let missing = try await AbtopBinary.run(["diff", "1", "9", "--store", db])
        #expect(missing.status == 1 && missing.stderr.contains("no session 9"))
    }
}

/// Issue 26, item 4: `run --replay ID` sends a journaled session's prompts through the current config, in the
/// order that session sent them (with --prompts, the file's lines, checks included); `--replay-pace` at its pace.
@Suite struct ReplayCommandTests {
    @Test func aReplaySendsTheSessionsPromptsInItsOrder() async throws {
        let (server, port) = try await RunCommandTests.mockServer()
        defer { server.terminate() }
        let db = AbtopBinary.scratch.appendingPathComponent("replay-\(UUID().uuidString).sqlite").path
        let endpoint = try RunCommandTests.endpoint(port: port)
        let first = try await AbtopBinary.run(
            [
                "run", endpoint, "--headless", "--quiet", "--requests", "12", "--concurrency", "1", "--seed", "8",
                "--store", db, "--prompts", "examples/prompts-tools.jsonl",
            ], environment: RunCommandTests.keys)
        #expect(first.status == 0, "\(first.stderr)")
        for extra in [["--prompts", "examples/prompts-tools.jsonl"], ["--replay-pace"]] {
            let replay = try await AbtopBinary.run(
                [
                    "run", endpoint, "--headless", "--quiet", "--concurrency", "1", "--seed", "99", "--store", db,
                    "--replay", "1",
                ] + extra, environment: RunCommandTests.keys)
            #expect(replay.status == 0, "\(replay.stderr)")
        }
        let journal = try Journal(path: db)
        func order(_ id: Int64) throws -> [String] {
            try #require(try journal.session(id)).records.sorted { $0.outcome.timing.start < $1.outcome.timing.start }
                .map(\.promptID)
        }
        let original = try order(1)
        #expect(original.count == 12)
        #expect(try order(2) == original, "another seed, the same order: the replay's")
        #expect(try order(3) == original)
        // With the file, the checks came along; without it, only the text the journal kept.
        let checked = try #require(try journal.session(2)).records.filter { $0.outcome.checkPassed != nil }.count
        #expect(checked == 12)
        let bad = try await AbtopBinary.run(
            ["run", endpoint, "--headless", "--replay", "9", "--store", db],
            environment: RunCommandTests.keys)
        #expect(bad.status != 0 && bad.stderr.contains("no such session"), "\(bad.stderr)")
    }
}
