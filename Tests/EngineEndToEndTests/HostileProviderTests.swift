import ABCore
import ABEngine
import ABProviders
import Foundation
import TestSupport
import Testing

/// The engine against a provider that misbehaves on purpose: every answer is refused or classified, what is kept
/// is bounded by `abtop.limits`, and the key never comes back out (issue 11, items 3, 8 and 14).
@Suite struct HostileProviderTests {
    static let key = "sk-hostile-test-0123456789abcdefXYZ"
    static let limits =
        #"{"limits": {"max_line_bytes": 65536, "max_event_bytes": 65536, "max_answer_bytes": 65536, "max_body_bytes": 65536}, "retries": {"max": 0}, "breaker": {"failures": 1000}, "request": {"stream": true}}"#

    /// One request to an entity whose provider misbehaves as `mode` says.
    func send(_ mode: String, stream: Bool = true) async throws -> (RequestRecord, HostileProvider, Session) {
        let hostile = try HostileProvider()
        let h = try await EngineHarness.start(
            entities: [("bad", "openai", "gpt-4o")], profiles: [:],
            abtop: stream
                ? Self.limits : Self.limits.replacingOccurrences(of: #""stream": true"#, with: #""stream": false"#),
            baseURLs: ["bad": hostile.baseURL(mode)], apiKey: Self.key)
        let records = await h.engine.send(prompt("Tell me everything", id: mode))
        await h.stop()
        hostile.stop()
        let record = try #require(records.first)
        return (record, hostile, h.session)
    }

    @Test func anEchoedKeyIsRedactedEverywhereItGoes() async throws {
        let (record, _, session) = try await send("echo")
        #expect(record.outcome.error == .http4xx)
        let message = try #require(record.errorMessage)
        #expect(message.contains("you sent"))
        #expect(!message.contains(Self.key), "the key came back: \(message)")
        #expect(message.contains(SecretValue.redacted))
        #expect(!session.events.contains { $0.message.contains(Self.key) })
        #expect(
            !session.recentRecords.contains {
                ($0.errorMessage ?? "").contains(Self.key) || $0.output.contains(Self.key)
            })
    }

    @Test func anEndlessStreamIsCutAtTheAnswerLimit() async throws {
        let (record, hostile, _) = try await send("endless")
        #expect(record.outcome.error == .tooLarge)
        #expect(record.output.utf8.count <= 65_536)
        // The transfer stopped: far less than the 200 MB the provider would have sent.
        #expect(hostile.bytesSent("endless") < 16 << 20)
    }

    @Test func aLineThatNeverEndsIsCutAtTheLineLimit() async throws {
        let (record, hostile, _) = try await send("giantline")
        #expect(record.outcome.error == .tooLarge)
        #expect(record.errorMessage?.contains("SSE line") == true)
        #expect(hostile.bytesSent("giantline") < 16 << 20)
    }

    @Test func aHugeBodyIsStoppedAtTheBodyLimit() async throws {
        let (record, hostile, _) = try await send("endless", stream: false)
        #expect(record.outcome.error == .tooLarge)
        #expect(hostile.bytesSent("endless") < 16 << 20)
    }

    @Test func garbageAndResetsAreClassified() async throws {
        let (garbage, _, _) = try await send("garbage")
        #expect(garbage.outcome.error == .malformed || garbage.outcome.error == .streamBroken)
        let (reset, _, _) = try await send("reset")
        #expect(reset.outcome.error != nil && reset.outcome.error != .tooLarge)
    }

    @Test func anAbsurdRetryAfterIsClampedAndKept() async throws {
        let (record, _, _) = try await send("retryafter")
        #expect(record.outcome.error == .rateLimited)
        #expect(record.retryAfter == WireFormat.maxRetryAfter)
    }
}
