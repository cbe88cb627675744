import ABCore
import ABEngine
import ABProviders
import Foundation
import Synchronization

/// A transport that answers from a script instead of the network: each request's host names the entity (see
/// `ScriptedEngine`), and the script says, per entity and attempt, what comes back and after how long. Records
/// every request it saw. Cancelling the caller's task ends a pending reply at once, as libcurl would.
final class ScriptedTransport: Transport {
    struct Reply: Sendable {
        var status = 200
        var headers: [String: String] = [:]
        var body = ScriptedTransport.answer("fine")
        var delay = 0.0
        /// A transport-level failure instead of a response (a refused connection, a timeout).
        var failure: ErrorKind?

        static let ok = Reply()
        static func status(_ code: Int, retryAfter: String? = nil) -> Reply {
            Reply(
                status: code, headers: retryAfter.map { ["retry-after": $0] } ?? [:],
                body: #"{"error": {"message": "scripted \#(code)"}}"#)
        }
    }

    /// (entity host, attempt number on that host from 0) → reply.
    let script: @Sendable (String, Int) -> Reply
    private let seen = Mutex<[String]>([])

    init(_ script: @escaping @Sendable (String, Int) -> Reply) {
        self.script = script
    }

    /// The hosts asked, in order.
    var requests: [String] { seen.withLock { $0 } }

    var executors: [any TaskExecutor] { [] }
    func shutdown() {}

    func perform(
        _ spec: HTTPRequestSpec, timeouts: TransportTimeouts, sink: any TransferSink,
        start: UInt64?
    ) async -> TransferResult {
        let begin = start ?? Monotonic.now()
        let host = URL(string: spec.url)?.host ?? spec.url
        let attempt = seen.withLock { list -> Int in
            defer { list.append(host) }
            return list.filter { $0 == host }.count
        }
        let reply = script(host, attempt)
        if reply.delay > 0 { try? await Task.sleep(for: .seconds(reply.delay)) }
        if Task.isCancelled {
            return TransferResult(
                status: nil, headers: [:], failure: ProviderError(kind: .cancelled, message: "cancelled"),
                start: begin, firstByte: nil, end: Monotonic.now(), bytesReceived: 0)
        }
        if let failure = reply.failure {
            return TransferResult(
                status: nil, headers: [:], failure: ProviderError(kind: failure, message: "scripted"),
                start: begin, firstByte: nil, end: Monotonic.now(), bytesReceived: 0)
        }
        let firstByte = Monotonic.now()
        sink.receivedHead(status: reply.status, headers: reply.headers)
        let bytes = Array(reply.body.utf8)
        _ = bytes.withUnsafeBytes { sink.receivedBody($0) }
        return TransferResult(
            status: reply.status, headers: reply.headers, failure: nil, start: begin,
            firstByte: firstByte, end: Monotonic.now(), bytesReceived: bytes.count)
    }

    /// An OpenAI chat completion saying `text`.
    static func answer(_ text: String) -> String {
        #"{"choices": [{"message": {"role": "assistant", "content": "\#(text)"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 5, "completion_tokens": 2}}"#
    }
}

/// An engine over a `ScriptedTransport`: entities `a`, `b`, … (OpenAI-style, hosts `a.test`, `b.test`, …).
struct ScriptedEngine {
    let engine: Engine
    let transport: ScriptedTransport
    var session: Session { engine.session }

    init(
        weights: [Int], abtop: String = "{}", fallback: Bool = false, mode: RunMode = .split,
        script: @escaping @Sendable (String, Int) -> ScriptedTransport.Reply
    ) throws {
        let names = ["a", "b", "c", "d"].prefix(weights.count)
        let served = names.map {
            #"{"name": "\#($0)", "external_model": {"name": "model-\#($0)", "provider": "openai", "task": "llm/v1/chat", "openai_config": {"openai_api_key_plaintext": "sk-test-key-123"}}}"#
        }
        let routes = zip(names, weights).map { #"{"served_model_name": "\#($0)", "traffic_percentage": \#($1)}"# }
        let bases = names.map { #""\#($0)": {"base_url": "http://\#($0).test/v1"}"# }
        var block = try JSONParser.parse(abtop).objectValue ?? JSONObject()
        block["entities"] = try JSONParser.parse("{\(bases.joined(separator: ","))}")
        if block["request"] == nil { block["request"] = try JSONParser.parse(#"{"stream": false}"#) }
        let json = """
            {"name": "scripted", "config": {"served_entities": [\(served.joined(separator: ","))],
             "traffic_config": {"routes": [\(routes.joined(separator: ","))]}},
             "ai_gateway": {"fallback_config": {"enabled": \(fallback)}}, "abtop": \(JSONValue.object(block).rendered())}
            """
        let outcome = EndpointConfigReader.read(text: json, defaultName: "scripted")
        guard let config = outcome.config else { throw ScriptError.config(outcome.issues.description) }
        transport = ScriptedTransport(script)
        engine = Engine(
            session: Session(endpoint: config, mode: mode),
            resolved: config.resolve(with: SecretResolver(environment: [:])), transport: transport, seed: 3)
    }

    enum ScriptError: Error {
        case config(String)
    }
}
