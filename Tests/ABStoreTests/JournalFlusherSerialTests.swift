import ABCore
import ABStore
import Foundation
import Testing

/// One writer thread for every session of a journal (issue 23, item 4): counts threads, so it runs apart from the
/// parallel tests (`make test`'s serial step).
@Suite(.serialized) struct JournalFlusherSerialTests {
    static func threads() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    @Test func twoHundredSessionsShareOneWriterThreadAndEveryRowIsWritten() throws {
        let (journal, first, firstWriter) = try JournalWriterTests.start(origin: 0)
        let before = Self.threads()
        var writers = [(first, firstWriter)]
        for _ in 1..<200 {
            let id = try journal.beginSession(
                endpoint: try JournalWriterTests.config(), mode: "split", redactedConfig: "{}",
                version: "test", seed: 1)
            writers.append((id, JournalWriter(journal: journal, session: id, origin: 0)))
        }
        for (i, (_, writer)) in writers.enumerated() {
            for j in 0..<3 {
                writer.record(
                    RequestRecord(
                        outcome: RequestOutcome(
                            entity: 0, epoch: 0, timing: RequestTiming(start: 0, end: 1_000_000), streamed: false,
                            status: 200, error: nil, usage: TokenUsage(input: 1, output: 1)),
                        promptID: "p\(i)-\(j)", prompt: "prompt", output: "answer"))
            }
        }
        // Written by the shared thread within its 100 ms window (waited for generously, not timed).
        let deadline = Date().addingTimeInterval(60)
        while writers.contains(where: { $0.1.status.written < 3 }), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(writers.allSatisfy { $0.1.status.written == 3 }, "the shared thread wrote every session's rows")
        #expect(Self.threads() <= before + 3, "\(Self.threads() - before) threads for 200 sessions")
        for (id, writer) in writers {
            writer.close()
            #expect(try #require(try journal.session(id)).records.count == 3)
        }
    }
}
