import ABCore
import ABEngine
import ABReport
import ABServer
import ABStore
import Foundation
import TestSupport
import Testing

@testable import abtop

/// Issue 26, item 2: feedback on served requests, keyed by the x-request-id serve returns: taken, journaled
/// beside its request, counted per arm in /metrics and compared in the report; an unknown id is a 404.
@Suite struct FeedbackServeTests {
    @Test func feedbackOnServedRequestsReachesMetricsTheJournalAndTheReport() async throws {
        let stack = try await ServeRuntimeTests().start()
        _ = try stack.registry.create(
            JSONParser.parse(ServeRuntimeTests().payload("fb", firstModel: "gpt-4o", fallback: false)))
        let port = stack.server.port
        var ids: [(id: String, entity: String)] = []
        for _ in 0..<60 {
            let r = await ServeRuntimeTests().ask(port, "fb")
            #expect(r.status == 200, "\(r.text)")
            if let id = r.headers["x-request-id"], let entity = r.headers["served-model-name"] {
                ids.append((id, entity))
            }
        }
        #expect(ids.count == 60)
        // "two" is liked every time, "one" one time in three; both get a numeric rating too.
        var oneSeen = 0
        var ratingSum = 0
        for (n, (id, entity)) in ids.enumerated() {
            if entity == "one" { oneSeen += 1 }
            let liked = entity == "two" || oneSeen % 3 == 0
            let r = await RawHTTP.post(
                port: port, path: "/feedback", headers: [:],
                body: #"{"request_id": "\#(id)", "metric_name": "thumbs_up", "value": \#(liked), "comment": "ok"}"#)
            #expect(r.status == 200 && r.text.contains("feedback_id"), "\(r.status) \(r.text)")
            let rating = await RawHTTP.post(
                port: port, path: "/feedback", headers: [:],
                body:
                    #"{"inference_id": "\#(id)", "metric_name": "rating", "value": \#((entity == "two" ? 4 : 2) + n % 3 - 1)}"#
            )
            if entity == "two" { ratingSum += 4 + n % 3 - 1 }
            #expect(rating.status == 200, "\(rating.text)")
        }
        let unknown = await RawHTTP.post(
            port: port, path: "/feedback", headers: [:],
            body: #"{"request_id": "chatcmpl-nope", "metric_name": "thumbs_up", "value": true}"#)
        #expect(unknown.status == 404 && unknown.text.contains("RESOURCE_DOES_NOT_EXIST"), "\(unknown.text)")
        let again = await RawHTTP.post(
            port: port, path: "/feedback", headers: [:],
            body: #"{"request_id": "\#(ids[0].id)", "metric_name": "thumbs_up", "value": true}"#)
        #expect(again.status == 400 && again.text.contains("already has feedback"), "\(again.text)")
        let kindChange = await RawHTTP.post(
            port: port, path: "/feedback", headers: [:],
            body: #"{"request_id": "\#(ids[0].id)", "metric_name": "helpful", "value": 0.5}"#)
        #expect(kindChange.status == 200, "\(kindChange.text)")
        let kindChange2 = await RawHTTP.post(
            port: port, path: "/feedback", headers: [:],
            body: #"{"request_id": "\#(ids[1].id)", "metric_name": "helpful", "value": true}"#)
        #expect(kindChange2.status == 400, "a numeric metric stays numeric: \(kindChange2.text)")
        let bad = await RawHTTP.post(
            port: port, path: "/feedback", headers: [:], body: #"{"request_id": "x", "metric_name": "a b", "value": 1}"#
        )
        #expect(bad.status == 400 && bad.text.contains("metric_name"))
        // `abtop feedback` sends one from the command line.
        let cli = try await AbtopBinary.run(
            [
                "feedback", "--url", "http://127.0.0.1:\(port)", "--id", ids[1].id, "--metric", "cli_check", "--value",
                "true", "--comment", "from the CLI",
            ])
        #expect(cli.status == 0 && cli.stdout.contains("feedback_id"), "\(cli.stderr)")
        let cliUnknown = try await AbtopBinary.run(
            ["feedback", "--url", "http://127.0.0.1:\(port)", "--id", "nope", "--metric", "m", "--value", "1"])
        #expect(cliUnknown.status == 1 && cliUnknown.stderr.contains("answered 404"), "\(cliUnknown.stderr)")
        let metrics = await RawHTTP.send("GET", port: port, path: "/metrics").text
        #expect(metrics.contains(#"abtop_feedback_total{endpoint="fb",entity="two",metric="thumbs_up"}"#))
        let twos = ids.filter { $0.entity == "two" }.count
        #expect(
            metrics.contains(#"abtop_feedback_value_sum{endpoint="fb",entity="two",metric="rating"} \#(ratingSum)"#))
        await stack.stop()
        // The journal keeps it beside its request, and the report compares the arms.
        let journal = try Journal(path: stack.journalPath)
        let last = try #require(try journal.lastSessionID())
        let stored = try #require(try journal.session(last))
        #expect(stored.feedback.count == 122)
        #expect(stored.feedback.last?.comment == "from the CLI")
        #expect(Set(stored.feedback.map(\.requestID)).isSubset(of: Set(stored.records.map(\.promptID))))
        let md = ReportBuilder.report(stored).markdown()
        #expect(md.contains("## Feedback") && md.contains("| thumbs_up | two | 30 | 100% |") == (twos == 30))
        #expect(md.contains("two gets thumbs\\_up more often than one"), "\(md)")
        #expect(md.contains("two scores higher on rating than one"), "\(md)")
    }
}
