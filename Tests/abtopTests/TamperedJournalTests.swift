import ABCore
import ABReport
import ABStore
import Foundation
import GRDB
import Testing

@testable import abtop

/// Issue 23, item 8: `abtop report` on a journal someone edited. Old code trapped on a token count of Int.min
/// (md, html) and on an entity index out of range (every format).
@Suite struct TamperedJournalTests {
    @Test func aTamperedJournalGivesAReportWithTheBadRowsLeftOutAndSaid() throws {
        let path = AbtopBinary.scratch.appendingPathComponent("tampered-\(UUID().uuidString).sqlite").path
        let journal = try Journal(path: path)
        let config = try #require(
            EndpointConfigReader.read(
                text: """
                    {"served_entities": [
                      {"name": "a", "external_model": {"name": "m", "provider": "openai", "task": "llm/v1/chat",
                       "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}},
                      {"name": "b", "external_model": {"name": "m", "provider": "openai", "task": "llm/v1/chat",
                       "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}}]}
                    """, defaultName: "t"
            ).config)
        let session = try journal.beginSession(
            endpoint: config, mode: "split", redactedConfig: "{}", version: "test", seed: 1)
        let writer = JournalWriter(journal: journal, session: session, origin: 0)
        for i in 0..<6 {
            writer.record(
                RequestRecord(
                    outcome: RequestOutcome(
                        entity: i % 2, epoch: 0, timing: RequestTiming(start: 0, end: UInt64(1_000_000 * (i + 1))),
                        streamed: false, status: 200, error: nil, usage: TokenUsage(input: 5, output: 7)),
                    promptID: "p\(i)", prompt: "prompt", output: "answer"))
        }
        writer.close()
        let pool = try DatabasePool(path: path)
        try pool.write { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM request ORDER BY seq")
            try db.execute(
                sql:
                    "UPDATE request SET tokens_out = -9223372036854775808, tokens_in = 9223372036854775807 WHERE id = ?",
                arguments: [ids[0]])
            try db.execute(sql: "UPDATE request SET entity = 999 WHERE id = ?", arguments: [ids[1]])
            try db.execute(sql: "UPDATE request SET end_ns = 'soon' WHERE id = ?", arguments: [ids[2]])
            try db.execute(
                sql: "UPDATE request SET cost_usd = 'NaN', status = -5, retries = -1 WHERE id = ?", arguments: [ids[3]])
            try db.execute(sql: "UPDATE request SET start_ns = 5000000000 WHERE id = ?", arguments: [ids[4]])
            try db.execute(
                sql: "INSERT INTO vote (session_id, a, b, choice, at_s) VALUES (?, 0, 77, 'a', 1)", arguments: [session]
            )
        }
        let stored = try #require(try journal.session(session))
        #expect(stored.leftOut == 3, "entity 999, an end that is text, and an end before its start")
        #expect(stored.records.count == 3)
        #expect(stored.records.allSatisfy { $0.outcome.usage.output >= 0 && $0.outcome.usage.input <= 100_000_000 })
        #expect(stored.votes.isEmpty, "a vote for entity 77 is left out")
        let report = ReportBuilder.report(stored)
        for format in ReportFormat.allCases {
            let text = format.render(report)
            #expect(!text.isEmpty)
            if format == .md || format == .html {
                #expect(text.contains("3 request rows of the journal could not be read"))
            }
        }
    }
}
