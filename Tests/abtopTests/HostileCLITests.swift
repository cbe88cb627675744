import ABCore
import ABEngine
import ABProviders
import ABServer
import Foundation
import Testing

@testable import ABReport
@testable import abtop

/// The command line against clumsy and hostile input (issue 11, items 5, 6, 9, 11, 16).
@Suite struct HostileCLITests {
    static func directory() throws -> URL {
        let dir = AbtopBinary.scratch.appendingPathComponent("cwd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test(arguments: [
        ["--duration", "nan"], ["--duration", "inf"], ["--rate", "nan"], ["--rate", "inf"], ["--rate", "1e300"],
    ])
    func nonFiniteNumbersAreRefused(_ option: [String]) async throws {
        let r = try await AbtopBinary.run(["run", "examples/mix-chat-endpoint.json", "--headless"] + option)
        #expect(r.status == 2, "\(option): \(r.stderr)")
        #expect(r.stderr.contains(option[0]))
    }

    @Test func aBareStoreFileNameIsKeptInTheCurrentDirectory() async throws {
        let (server, port) = try await RunCommandTests.mockServer()
        defer { server.terminate() }
        let dir = try Self.directory()
        let r = try await AbtopBinary.run(
            [
                "run", try RunCommandTests.endpoint(port: port), "--headless", "--requests", "5",
                "--quiet", "--store", "relative.sqlite",
            ], environment: RunCommandTests.keys, in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("cannot open"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("relative.sqlite").path))
    }

    /// Past a file-size limit the journal cannot write: the run says how many requests it kept, and fails. (400 KiB:
    /// the schema and some requests fit, so the session opens and the limit is met mid-run.)
    @Test func aJournalThatCannotWriteFailsTheRunAndSaysWhatItKept() async throws {
        let (server, port) = try await RunCommandTests.mockServer()
        defer { server.terminate() }
        let dir = try Self.directory()
        let r = try await AbtopBinary.run(
            [
                "run", try RunCommandTests.endpoint(port: port), "--headless", "--requests", "3000",
                "--concurrency", "16", "--quiet", "--store", "full.sqlite",
            ],
            environment: RunCommandTests.keys, in: dir, limits: "ulimit -f 400")
        #expect(r.status == 1, "\(r.stderr)")
        let line = try #require(r.stderr.split(separator: "\n").first { $0.contains("the journal at") }, "\(r.stderr)")
        // "kept N of 3000 requests; M were lost": N + M = 3000, and N is what the file holds.
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers.count >= 3 && numbers[0] + numbers[2] == 3000 && numbers[1] == 3000, "\(line)")
        let sessions = try await AbtopBinary.run([
            "report", "--last", "--format", "json", "--store",
            dir.appendingPathComponent("full.sqlite").path,
        ])
        let json = try JSONParser.parse(sessions.stdout)
        #expect(json[key: "requests"]?.intValue == numbers[0], "the journal holds what the line says")
    }

    @Test func validatePathsNameTheRootAndOddKeys() async throws {
        let file = try AbtopBinary.temporaryFile(#"{"served_entities": [], "we\u001b[2Jird.key": 1}"#)
        let r = try await AbtopBinary.run(["validate", file])
        #expect(r.status == 1)
        #expect(
            r.stdout.contains(#"["we\u001b[2Jird.key"]"#) || r.stderr.contains(#"["we\u001b[2Jird.key"]"#),
            "\(r.stdout)\(r.stderr)")
        #expect(!(r.stdout + r.stderr).contains("\u{1B}"), "no raw escape reaches the terminal")
        let top = try await AbtopBinary.run(["validate", try AbtopBinary.temporaryFile("[1]"), "--json"])
        #expect(try JSONParser.parse(top.stdout)[key: "errors"]?[index: 0]?[key: "path"]?.stringValue == "$")
    }
}

/// Issue 11, item 14: the provider's own wait reaches serve's client, clamped, never a guess or a crash.
@Suite struct RetryAfterPassThroughTests {
    @Test func theProvidersHintIsPassedOn() {
        let outcome = RequestOutcome(
            entity: 0, epoch: 0, timing: RequestTiming(start: 0, end: 1), streamed: false,
            status: 429, error: .rateLimited)
        let record = RequestRecord(
            outcome: outcome, promptID: "p", prompt: "hi", errorMessage: "slow down", retryAfter: 7.2)
        let failure = ServeRuntime.result([
            Served(
                record: record, answer: nil, partialText: "",
                failure: ProviderError(kind: .rateLimited, status: 429, message: "slow down", retryAfter: 7.2))
        ]).failure
        #expect(failure?.retryAfter == 7.2)
        let served = ServingError.upstream(failure!, entity: "a")
        #expect(served.status == 429 && served.retryAfter == 7.2)
        #expect(ServingError.retryAfterHeader(7.2) == "8")
        #expect(ServingError.retryAfterHeader(1e300) == "86400" && ServingError.retryAfterHeader(.nan) == "1")
        let overloaded = ServingError.upstream(
            ProviderError(kind: .overloaded, status: 529, message: "busy"), entity: "a")
        #expect(overloaded.status == 503 && overloaded.retryAfter != nil)
    }
}
