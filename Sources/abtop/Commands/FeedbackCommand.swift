import ABCore
import ABEngine
import ABProviders
import ArgumentParser
import Foundation
import Synchronization

/// `abtop feedback`: sends one judgement on a served request to `abtop serve`'s `POST /feedback`.
struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Send feedback on a served request (its x-request-id) to abtop serve.",
        discussion: """
            The value is true, false or a number. Each metric is compared between the endpoint's arms in its \
            summary, report and /metrics. The token, for a serve started with --token, comes from \
            $ABTOP_SERVE_TOKEN or --token-file.
            """)

    @Option(help: "The serve address.")
    var url = "http://127.0.0.1:8080"

    @Option(help: "The request's x-request-id.")
    var id: String

    @Option(help: "The metric's name (letters, digits, _ - .).")
    var metric: String

    @Option(help: "true, false or a number.")
    var value: String

    @Option(help: "A comment kept with the feedback.")
    var comment: String?

    @Option(help: "A file holding serve's token (else $ABTOP_SERVE_TOKEN).")
    var tokenFile: String?

    func run() async throws {
        let parsed: JSONValue
        switch value.lowercased() {
        case "true": parsed = true
        case "false": parsed = false
        default:
            guard let n = Double(value), n.isFinite else {
                throw ValidationError("--value must be true, false or a number; found \(Excerpt.of(value))")
            }
            parsed = .number(JSONNumber(n))
        }
        var body = JSONObject(["request_id": .string(id), "metric_name": .string(metric), "value": parsed])
        if let comment { body["comment"] = .string(comment) }
        var token = ProcessInfo.processInfo.environment["ABTOP_SERVE_TOKEN"]
        if let tokenFile {
            token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        var headers: [(name: String, value: HTTPRequestSpec.HeaderValue)] = [
            ("Content-Type", .plain("application/json")), ("Accept", .plain("application/json")),
        ]
        if let token, !token.isEmpty {
            headers.append(("Authorization", .secret(prefix: "Bearer ", SecretValue(token))))
        }
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        let target = base + "/feedback"
        guard EndpointConfigReader.isHTTPURL(target) else { throw ValidationError("--url must be an http(s) URL") }
        let transport = CurlTransport(loops: 1)
        defer { transport.shutdown() }
        let sink = CollectingSink()
        let t = await transport.perform(
            HTTPRequestSpec(url: target, headers: headers, body: Array(JSONValue.object(body).rendered().utf8)),
            timeouts: TransportTimeouts(connect: 5, firstByte: 30, total: 60), sink: sink, start: nil)
        let answer = String(decoding: sink.body, as: UTF8.self)
        if let failure = t.failure {
            Console.err("abtop: \(target): \(failure)")
            throw ExitCode(1)
        }
        guard t.status == 200 else {
            Console.err(
                "abtop: \(target) answered \(t.status ?? 0): \(TerminalText.sanitized(String(answer.prefix(500))))")
            throw ExitCode(1)
        }
        Console.out(TerminalText.sanitized(answer))
    }
}
