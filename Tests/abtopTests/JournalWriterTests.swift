import ABCore
import ABStore
import Foundation
import Testing

@Suite struct JournalWriterTests {
    /// A prompt repeated across batches is written once, and every request still reads back with its text.
    @Test func repeatedPromptsAreWrittenOnceAndReadBackEverywhere() throws {
        let path = AbtopBinary.scratch.appendingPathComponent("writer-\(UUID().uuidString).sqlite").path
        let journal = try Journal(path: path)
        let config = try #require(EndpointConfigReader.read(text: #"""
            {"name": "w", "config": {"served_entities": [{"name": "a", "external_model": {"name": "gpt-4", "provider": "openai",
              "task": "llm/v1/chat", "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}}],
             "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 100}]}}}
            """#, defaultName: "w").config)
        let session = try journal.beginSession(endpoint: config, mode: "split", redactedConfig: "{}", version: "test", seed: 1)
        let writer = JournalWriter(journal: journal, session: session, origin: 0)
        for i in 0..<30 {
            let outcome = RequestOutcome(entity: 0, epoch: 0, timing: RequestTiming(start: UInt64(i), end: UInt64(i + 1_000_000)),
                                         streamed: false, status: 200, error: nil, usage: TokenUsage(input: 1, output: 1))
            writer.record(RequestRecord(outcome: outcome, promptID: "p\(i % 3)", prompt: "prompt number \(i % 3)",
                                        output: "answer \(i)"))
            if i % 10 == 9 { writer.flushNow() }
        }
        writer.close()
        let stored = try #require(try journal.session(session))
        #expect(stored.records.count == 30)
        for r in stored.records { #expect(r.prompt == "prompt number \(r.promptID.dropFirst())") }
    }
}
