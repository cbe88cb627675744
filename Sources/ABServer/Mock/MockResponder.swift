import ABCore
import Foundation
import Glibc
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// Answers chat requests on the OpenAI and Anthropic wires by carrying out a `MockPlan` in real time.
final class MockResponder: Sendable {
    let planner: MockPlanner
    /// How often each request was seen, so repeats sample the profile afresh (see `MockPlanner`). A fixed table
    /// indexed by the request's hash: memory stays flat however many distinct prompts arrive, and a collision
    /// only shifts an occurrence number, which is still the same on every rerun.
    private let occurrences = Mutex<[UInt32]>([UInt32](repeating: 0, count: 1 << 16))

    /// A running average of timer lateness in nanoseconds (see `sleep`).
    private let lateness = Mutex<Int64>(0)

    init(planner: MockPlanner) {
        self.planner = planner
    }

    static let maxBody = 8 * 1024 * 1024

    func occurrence(of request: MockRequest) -> Int {
        let key = StableHash.of(request.model + "\u{0}" + request.inputText, salt: planner.seed)
        let slot = Int(key & 0xFFFF)
        return occurrences.withLock { seen in
            defer { seen[slot] &+= 1 }
            return Int(seen[slot])
        }
    }

    // MARK: - OpenAI

    func openAI(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let arrival = context.arrival
        guard let key = Self.bearerToken(request) else {
            return json(
                401,
                OpenAIWire.error(
                    status: 401,
                    message:
                        "You didn't provide an API key. "
                        + "You need to provide your API key in an Authorization header using Bearer auth "
                        + "(i.e. Authorization: Bearer YOUR_KEY)."
                ))
        }
        guard !Self.isRefusedKey(key) else { return json(401, OpenAIWire.error(status: 401)) }
        let body = try await request.body.collect(upTo: Self.maxBody)
        let (chat, options): (MockRequest, MockRequestParser.OpenAIOptions)
        switch MockRequestParser.openAI(Data(buffer: body)) {
        case .success(let parsed): (chat, options) = parsed
        case .failure(let r):
            return json(r.status, OpenAIWire.error(status: r.status, message: r.message, param: r.param))
        }
        let plan = planner.plan(chat, occurrence: occurrence(of: chat))
        var rng = SplitMix64(seed: plan.idSeed)
        let id = "chatcmpl-" + Self.randomID(&rng, length: 29)
        let created = Int(Date().timeIntervalSince1970)
        let requestID = "req_" + Self.randomID(&rng, length: 24)

        if let status = plan.errorStatus {
            try await sleep(until: arrival + Self.nanos(plan.ttft), on: context.channel.eventLoop)
            var headers = retryHeaders(plan)
            headers[.init("x-request-id")!] = requestID
            return json(status, OpenAIWire.error(status: status), extra: headers)
        }
        let channel = context.channel
        var headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"]
        headers[.init("x-request-id")!] = requestID
        headers[.init("openai-model")!] = chat.model
        guard chat.stream else {
            return try await nonStreaming(
                plan: plan, arrival: arrival, channel: channel, requestID: requestID,
                body: OpenAIWire.completion(id: id, created: created, model: chat.model, plan: plan),
                requestIDHeader: "x-request-id")
        }
        let model = chat.model
        return streamed(
            plan: plan, arrival: arrival, channel: channel, headers: headers,
            start: [],
            token: { i in
                (i == 0
                    ? OpenAIWire.chunk(
                        id: id, created: created, model: model, delta: OpenAIWire.roleDelta(),
                        finish: nil, includeUsage: options.includeUsage) : "")
                    + OpenAIWire.chunk(
                        id: id, created: created, model: model,
                        delta: OpenAIWire.toolDelta(plan, i), finish: nil,
                        includeUsage: options.includeUsage)
            },
            malformed: OpenAIWire.malformedChunk(id: id),
            end: [
                OpenAIWire.chunk(
                    id: id, created: created, model: model, delta: "{}",
                    finish: OpenAIWire.finish(plan),
                    includeUsage: options.includeUsage)
            ]
                + (options.includeUsage
                    ? [OpenAIWire.usageChunk(id: id, created: created, model: model, plan: plan)] : [])
                + [OpenAIWire.done])
    }

    // MARK: - Anthropic

    func anthropic(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let arrival = context.arrival
        var rng0 = SplitMix64(seed: arrival.uptimeNanoseconds)
        let earlyID = "req_" + Self.randomID(&rng0, length: 24)
        // Anthropic takes the key as x-api-key, and its newer SDKs send it as a bearer token.
        guard
            let key = request.headers[.init("x-api-key")!].flatMap({ $0.isEmpty ? nil : $0 })
                ?? Self.bearerToken(request)
        else {
            return json(
                401, AnthropicWire.error(status: 401, message: "x-api-key header is required", requestID: earlyID))
        }
        guard !Self.isRefusedKey(key) else {
            return json(401, AnthropicWire.error(status: 401, requestID: earlyID))
        }
        guard request.headers[.init("anthropic-version")!] != nil else {
            return json(
                400,
                AnthropicWire.error(status: 400, message: "anthropic-version: header is required", requestID: earlyID))
        }
        let body = try await request.body.collect(upTo: Self.maxBody)
        let chat: MockRequest
        switch MockRequestParser.anthropic(Data(buffer: body)) {
        case .success(let parsed): chat = parsed
        case .failure(let r):
            return json(r.status, AnthropicWire.error(status: r.status, message: r.message, requestID: earlyID))
        }
        let plan = planner.plan(chat, occurrence: occurrence(of: chat))
        var rng = SplitMix64(seed: plan.idSeed)
        let id = "msg_" + Self.randomID(&rng, length: 24)
        let requestID = "req_" + Self.randomID(&rng, length: 24)

        if let status = plan.errorStatus {
            try await sleep(until: arrival + Self.nanos(plan.ttft), on: context.channel.eventLoop)
            var headers = retryHeaders(plan)
            headers[.init("request-id")!] = requestID
            return json(status, AnthropicWire.error(status: status, requestID: requestID), extra: headers)
        }
        let channel = context.channel
        guard chat.stream else {
            return try await nonStreaming(
                plan: plan, arrival: arrival, channel: channel, requestID: requestID,
                body: AnthropicWire.message(id: id, model: chat.model, plan: plan),
                requestIDHeader: "request-id")
        }
        var headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"]
        headers[.init("request-id")!] = requestID
        let model = chat.model
        return streamed(
            plan: plan, arrival: arrival, channel: channel, headers: headers,
            start: [
                AnthropicWire.messageStart(id: id, model: model, plan: plan), AnthropicWire.contentBlockStart(plan),
                AnthropicWire.ping,
            ],
            token: { i in AnthropicWire.delta(plan, i) },
            malformed: AnthropicWire.malformedDelta(),
            end: [
                AnthropicWire.contentBlockStop, AnthropicWire.messageDelta(plan: plan),
                AnthropicWire.messageStop,
            ])
    }

    /// A streamed answer (see `stream`) as a response with `headers`.
    func streamed(
        plan: MockPlan, arrival: NIODeadline, channel: any Channel, headers: HTTPFields, start: [String],
        token: @escaping @Sendable (Int) -> String, malformed: String, end: [String]
    ) -> Response {
        streamedBytes(
            plan: plan, arrival: arrival, channel: channel, headers: headers, start: Array(start.joined().utf8),
            token: { Array(token($0).utf8) }, malformed: Array(malformed.utf8), end: Array(end.joined().utf8))
    }

    /// A streamed answer of raw bytes (SSE text, or AWS event-stream frames).
    func streamedBytes(
        plan: MockPlan, arrival: NIODeadline, channel: any Channel, headers: HTTPFields, start: [UInt8],
        token: @escaping @Sendable (Int) -> [UInt8], malformed: [UInt8], end: [UInt8]
    ) -> Response {
        Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await self.stream(
                    plan: plan, arrival: arrival, channel: channel, writer: &writer, start: start, token: token,
                    malformed: malformed, end: end)
            })
    }

    /// The token of `Authorization: Bearer <token>`, if any.
    static func bearerToken(_ request: Request) -> String? {
        guard let auth = request.headers[.authorization], auth.hasPrefix("Bearer ") else { return nil }
        let token = auth.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Any key is accepted, except `invalid` and keys starting `sk-invalid`: a way to rehearse a wrong key.
    static func isRefusedKey(_ key: String) -> Bool {
        key == "invalid" || key.hasPrefix("sk-invalid")
    }

    // MARK: - Carrying out a plan

    /// Streams: `start` at once, each token at its time (the first at TTFT), `end` after the last; faults strike
    /// before the token they were planned at.
    func stream(
        plan: MockPlan, arrival: NIODeadline, channel: any Channel,
        writer: inout any ResponseBodyWriter, start: [UInt8], token: (Int) -> [UInt8],
        malformed: [UInt8], end: [UInt8]
    ) async throws {
        if !start.isEmpty { try await writer.write(ByteBuffer(bytes: start)) }
        let loop = channel.eventLoop
        var shift = TimeAmount.zero
        var pending: [UInt8] = []
        for i in plan.tokens.indices {
            let due = arrival + Self.nanos(plan.ttft + plan.tokenInterval * Double(i)) + shift
            if let fault = plan.fault, fault.atToken == i {
                if !pending.isEmpty {
                    try await writer.write(ByteBuffer(bytes: pending))
                    pending = []
                }
                switch fault.kind {
                case .cutoff:
                    try await sleep(until: due, on: loop)
                    try await writer.finish(nil)
                    return
                case .disconnect:
                    try await sleep(until: due, on: loop)
                    try await writer.write(ByteBuffer(bytes: token(i).prefix(12)))
                    await Self.reset(channel)
                    throw CancellationError()
                case .malformed:
                    try await sleep(until: due, on: loop)
                    try await writer.write(ByteBuffer(bytes: malformed))
                case .stall:
                    shift = Self.nanos(plan.stallSeconds)
                }
            }
            let chunk = token(i)
            let dueNow = arrival + Self.nanos(plan.ttft + plan.tokenInterval * Double(i)) + shift
            if NIODeadline.now() < dueNow {
                if !pending.isEmpty {
                    try await writer.write(ByteBuffer(bytes: pending))
                    pending = []
                }
                try await sleep(until: dueNow, on: loop)
                try await writer.write(ByteBuffer(bytes: chunk))
            } else {
                // Already due (instant profiles, or behind schedule): coalesce into one write.
                pending += chunk
            }
        }
        try await writer.write(ByteBuffer(bytes: pending + end))
        try await writer.finish(nil)
    }

    /// A whole-body answer at the time the last token is ready; faults: reset, truncated body, bad JSON, a stall.
    func nonStreaming(
        plan: MockPlan, arrival: NIODeadline, channel: any Channel,
        requestID: String, body: String, requestIDHeader: String, extra: HTTPFields = [:]
    ) async throws -> Response {
        var total = plan.totalSeconds
        if plan.fault?.kind == .stall { total += plan.stallSeconds }
        try await sleep(until: arrival + Self.nanos(total), on: channel.eventLoop)
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.init(requestIDHeader)!] = requestID
        headers.append(contentsOf: extra)
        switch plan.fault?.kind {
        case .disconnect:
            await Self.reset(channel)
            throw CancellationError()
        case .cutoff:
            let bytes = Array(body.utf8)
            let half = ByteBuffer(bytes: bytes.prefix(bytes.count / 2))
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(contentLength: bytes.count) { writer in
                    try await writer.write(half)
                    throw CancellationError()
                })
        case .malformed:
            return Response(
                status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer(String(body.dropLast(7)))))
        case .stall, nil:
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer(body)))
        }
    }

    func json(_ status: Int, _ body: String, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: buffer(body)))
    }

    func retryHeaders(_ plan: MockPlan) -> HTTPFields {
        guard let seconds = plan.retryAfterSeconds else { return [:] }
        var headers = HTTPFields()
        headers[.retryAfter] = String(Int(seconds.rounded(.up)))
        headers[.init("retry-after-ms")!] = String(Int((seconds * 1000).rounded()))
        return headers
    }

    func buffer(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }

    /// Sleeps unless already due, on the connection's event loop: NIO's timers fire on time, where `Task.sleep`
    /// on Linux may add milliseconds of leeway. A graceful shutdown cuts the sleep short (so a stall cannot hold
    /// it up).
    func sleep(until deadline: NIODeadline, on loop: any EventLoop) async throws {
        guard NIODeadline.now() < deadline else { return }
        // Wake a little early by the running average of how late wake-ups have been (the hop from the event
        // loop back to this task), so answers leave on time rather than a few hundred microseconds after.
        let early = TimeAmount.nanoseconds(lateness.withLock { $0 })
        try await cancelWhenGracefulShutdown {
            let scheduled = loop.scheduleTask(deadline: deadline - early) {}
            try await withTaskCancellationHandler {
                try await scheduled.futureResult.get()
            } onCancel: {
                scheduled.cancel()
            }
        }
        let late = (NIODeadline.now() - (deadline - early)).nanoseconds
        lateness.withLock { average in
            average = max(0, min(2_000_000, average + (late - average) / 16))
        }
    }

    static func nanos(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// Resets the connection (SO_LINGER 0, then close) so the client sees a dropped connection, not an end.
    static func reset(_ channel: any Channel) async {
        if let provider = channel as? any SocketOptionProvider {
            _ = try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        _ = try? await channel.close().get()
    }

    static func randomID(_ rng: inout SplitMix64, length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in alphabet[rng.below(alphabet.count)] })
    }
}
