import ABCore
import ABProviders
import ABStore
import Foundation
import Testing

@Suite struct JournalWriterTests {
    /// A one-entity endpoint.
    static func config() throws -> EndpointConfig {
        try #require(
            EndpointConfigReader.read(
                text: #"""
                    {"name": "w", "config": {"served_entities": [{"name": "a", "external_model": {"name": "gpt-4", "provider": "openai",
                      "task": "llm/v1/chat", "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}}],
                     "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 100}]}}}
                    """#, defaultName: "w"
            ).config)
    }

    /// A fresh journal with one session of a one-entity endpoint, and its writer.
    static func start(origin: UInt64) throws -> (Journal, Int64, JournalWriter) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("writer-\(UUID().uuidString).sqlite")
            .path
        let journal = try Journal(path: path)
        let session = try journal.beginSession(
            endpoint: try config(), mode: "split", redactedConfig: "{}", version: "test", seed: 1)
        return (journal, session, JournalWriter(journal: journal, session: session, origin: origin))
    }

    /// A prompt repeated across batches is written once, and every request still reads back with its text.
    @Test func repeatedPromptsAreWrittenOnceAndReadBackEverywhere() throws {
        let (journal, session, writer) = try Self.start(origin: 0)
        for i in 0..<30 {
            let outcome = RequestOutcome(
                entity: 0, epoch: 0, timing: RequestTiming(start: UInt64(i), end: UInt64(i + 1_000_000)),
                streamed: false, status: 200, error: nil, usage: TokenUsage(input: 1, output: 1))
            writer.record(
                RequestRecord(
                    outcome: outcome, promptID: "p\(i % 3)", prompt: "prompt number \(i % 3)",
                    output: "answer \(i)"))
            if i % 10 == 9 { writer.flushNow() }
        }
        writer.close()
        let stored = try #require(try journal.session(session))
        #expect(stored.records.count == 30)
        for r in stored.records { #expect(r.prompt == "prompt number \(r.promptID.dropFirst())") }
    }

    /// Every field reads back as written: empty and non-ASCII text, quotes and line breaks, NULLs, numbers.
    @Test func fieldsRoundTrip() throws {
        let (journal, session, writer) = try Self.start(origin: 100)
        let ok = RequestOutcome(
            entity: 0, epoch: 0, retries: 2,
            timing: RequestTiming(start: 1_100, firstByte: 2_100, firstToken: 3_100, end: 9_100),
            streamed: true, status: 200, error: nil, usage: TokenUsage(input: 12, output: 34, estimated: true),
            costUSD: 0.125)
        let failed = RequestOutcome(
            entity: 0, epoch: 0, timing: RequestTiming(start: 200, end: 300), streamed: false,
            status: nil, error: .connect, usage: TokenUsage())
        let written = [
            RequestRecord(
                outcome: ok, promptID: "p1", prompt: "Grüße 🌍", output: "a \"b\"\n\tü€ 'c'", finishReason: "stop"),
            RequestRecord(outcome: failed, promptID: "p2", prompt: "", output: "", errorMessage: "refused"),
        ]
        for r in written { writer.record(r) }
        writer.close()
        let read = try #require(try journal.session(session)).records
        #expect(read.count == 2)
        #expect(read.map(\.output) == written.map(\.output))
        #expect(read.map(\.prompt) == written.map(\.prompt))
        #expect(read[0].finishReason == "stop" && read[0].errorMessage == nil && read[1].errorMessage == "refused")
        #expect(read[0].outcome.costUSD == 0.125 && read[1].outcome.costUSD == nil && read[1].outcome.status == nil)
        #expect(
            read[0].outcome.usage == TokenUsage(input: 12, output: 34, estimated: true) && read[0].outcome.retries == 2)
        // Stamps are kept relative to the session's origin (100 here).
        #expect(read[0].outcome.timing == RequestTiming(start: 1_000, firstByte: 2_000, firstToken: 3_000, end: 9_000))
        #expect(read[1].outcome.error == .connect && read[0].outcome.streamed)
    }

    /// Epochs and votes go through the writer's thread with the requests, and read back in order with their values.
    @Test func epochsAndVotesReadBackInOrder() throws {
        let (journal, session, writer) = try Self.start(origin: 0)
        let epochs = try (1...3).map { i in
            SplitEpoch(index: i, weights: try #require(Weights([100])), startedAt: Double(i))
        }
        for e in epochs { writer.record(epoch: e) }
        let votes = [Vote(a: 0, b: 0, choice: .tie), Vote(a: 0, b: 0, choice: .bothBad)]
        for (i, v) in votes.enumerated() { writer.record(vote: v, at: Double(i)) }
        writer.close()
        let stored = try #require(try journal.session(session))
        #expect(stored.epochs.map(\.index) == [0, 1, 2, 3] && Array(stored.epochs.dropFirst()) == epochs)
        #expect(stored.votes == votes)
    }

    /// A request that finishes after the writer closed cannot be written: it is counted as lost, with the reason.
    @Test func aRequestAfterTheCloseIsCountedAsLost() throws {
        let (_, _, writer) = try Self.start(origin: 0)
        writer.close()
        let outcome = RequestOutcome(
            entity: 0, epoch: 0, timing: RequestTiming(start: 0, end: 1), streamed: false, status: 200, error: nil,
            usage: TokenUsage(input: 1, output: 1))
        writer.record(RequestRecord(outcome: outcome, promptID: "late", prompt: "late"))
        let status = writer.status
        #expect(status.handedIn == 1 && status.written == 0 && status.lost == 1)
        #expect(status.error?.contains("after the journal session closed") == true)
    }
}

/// Runs started together on a machine with no journal yet (CI's first tests, a user's two terminals) each open and
/// migrate the same new file: every one of them must get a journal.
@Suite struct JournalOpeningTests {
    @Test func manyOpeningANewJournalAtOnceAllSucceed() async throws {
        let path = NSTemporaryDirectory() + "abtop-open-\(UUID().uuidString)/abtop.sqlite"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let failures = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do {
                        _ = try Journal(path: path)
                        return nil
                    } catch {
                        return "\(error)"
                    }
                }
            }
            var out: [String] = []
            for await f in group { if let f { out.append(f) } }
            return out
        }
        #expect(failures.isEmpty, "\(failures)")
        let journal = try Journal(path: path)
        _ = try journal.beginSession(
            endpoint: try #require(
                EndpointConfigReader.read(
                    text:
                        #"{"served_entities": [{"name": "a", "external_model": {"name": "m", "provider": "openai", "task": "llm/v1/chat", "openai_config": {"openai_api_key": "{{secrets/a/b}}"}}}]}"#,
                    defaultName: "t"
                ).config),
            mode: "split", redactedConfig: "{}", version: "test", seed: 1)
    }
}

/// Issue 25: a mode switch reaches the journal, so a report names the mode the session ended in (as the printed
/// summary does) and `sessions` lists both.
@Suite struct ModeSwitchJournalTests {
    @Test func theJournalKeepsTheModeTheSessionEndedIn() throws {
        let (journal, session, writer) = try JournalWriterTests.start(origin: 0)
        var summary = try #require(try journal.sessions().first { $0.id == session })
        #expect(summary.endMode == nil && summary.modeAtEnd == "split" && summary.modes == "split")
        writer.record(mode: .compare)
        writer.flushNow()
        summary = try #require(try journal.sessions().first { $0.id == session })
        #expect(summary.endMode == "compare" && summary.modeAtEnd == "compare")
        #expect(summary.modes == "split+compare")
        writer.record(mode: .split)
        writer.close()
        summary = try #require(try journal.session(session)?.summary)
        #expect(summary.modeAtEnd == "split" && summary.modes == "split", "switched back: it ended in split")
    }
}
