import ABCore
import ABProviders
import Synchronization

/// What the engine needs from the config, gathered once.
public struct EngineSettings: Sendable {
    public var request: AbtopSettings.RequestDefaults
    public var timeouts: TransportTimeouts
    public var retries: AbtopSettings.Retries
    public var limits: AbtopSettings.Limits

    public init(_ config: EndpointConfig) {
        request = config.settings.request
        timeouts = TransportTimeouts(config.settings.timeouts)
        retries = config.settings.retries
        limits = config.settings.limits
    }
}

/// Receives a streamed answer's content as it arrives, on the transport thread, for callers that pass it on
/// (`abtop serve`). Once any content went out, the request is committed to that entity: no retry, no fallback.
public protocol ContentRelay: AnyObject, Sendable {
    func content(_ text: String, entity: Int)
}

/// Sends prompts: router pick → attempt → retries (exponential backoff with jitter, honouring Retry-After) →
/// fallback in `served_entities` order → breaker bookkeeping. Every step shows in the outcomes it records.
public final class Engine: Sendable {
    public let session: Session
    public let routing: RoutingState
    let transport: CurlTransport
    let wires: [WireFormat]
    let settings: EngineSettings
    /// Each entity's price, looked up once.
    let prices: [Price?]
    private let random: Mutex<SplitMix64>
    private let groups = Atomic<Int>(0)
    private let fallback: Atomic<Bool>

    public init(session: Session, resolved: [ResolvedEntity], transport: CurlTransport, seed: UInt64) {
        let config = session.endpoint
        self.session = session
        self.transport = transport
        self.settings = EngineSettings(config)
        self.wires = resolved.map { WireFormat($0, defaults: config.settings.request) }
        let table = PriceTable(overrides: config.settings.prices)
        self.prices = config.servedEntities.map { table.price(for: $0.model) }
        self.routing = RoutingState(router: Router(weights: config.weights, strategy: config.settings.strategy,
                                                   seed: seed, sticky: config.settings.sticky),
                                    breaker: config.settings.breaker)
        self.random = Mutex(SplitMix64(seed: seed ^ 0x5EED_BAC0_FF00))
        self.fallback = Atomic(config.aiGateway.fallbackEnabled)
    }

    /// Whether failed requests go to the other entities (`ai_gateway.fallback_config`); changeable live.
    public var fallbackEnabled: Bool {
        get { fallback.load(ordering: .relaxed) }
        set { fallback.store(newValue, ordering: .relaxed) }
    }

    /// Changes the split from the next request on, opening a new epoch.
    public func setWeights(_ weights: Weights) {
        let before = routing.epoch.index
        let epoch = routing.setWeights(weights, at: session.now())
        if epoch.index != before { session.openEpoch(epoch) }
    }

    /// Sends one prompt the way the session's mode says.
    @discardableResult
    public func send(_ prompt: PromptItem, intendedStart: UInt64? = nil) async -> [RequestRecord] {
        switch session.mode {
        case .split: await split(prompt, intendedStart: intendedStart)
        case .compare: await compare(prompt, intendedStart: intendedStart)
        }
    }

    /// Sends one prompt by the split whatever the mode (a served request has one caller waiting for one answer),
    /// with the caller's overrides; a streamed answer's content goes to `relay` as it arrives.
    public func serve(_ prompt: PromptItem, overrides: RequestOverrides, relay: (any ContentRelay)?) async -> [RequestRecord] {
        await split(prompt, intendedStart: nil, overrides: overrides, relay: relay)
    }

    /// Split mode: one entity by weight, with retries, then fallbacks if enabled.
    func split(_ prompt: PromptItem, intendedStart: UInt64?, overrides: RequestOverrides = .init(),
               relay: (any ContentRelay)? = nil) async -> [RequestRecord] {
        let start = intendedStart ?? Monotonic.now()
        let chat = chatRequest(prompt, overrides: overrides)
        var pick: RoutingState.Pick?
        while pick == nil {
            let now = session.now()
            pick = routing.pick(stickyKey: prompt.session, now: now)
            if pick == nil {
                // Every entity with a share is cooling down: wait for the first probe window.
                let wait = max(0.01, min(1, (routing.nextOpening(after: now) ?? now + 0.1) - now))
                if Task.isCancelled { return [] }
                try? await Task.sleep(for: .seconds(wait))
            }
        }
        let arm = pick!
        let first = await run(chat, prompt: prompt, on: arm, arm: arm.entity, isFallback: false,
                              start: start, maxRetries: settings.retries.max, relay: relay)
        session.record(first.record)
        var records = [first.record]
        guard fallbackEnabled, !first.relayed, let kind = first.record.outcome.error, kind.triggersFallback else {
            return records
        }
        for entity in routing.fallbackOrder(after: arm.entity, now: session.now()) {
            guard let fallbackPick = routing.admitFallback(entity, now: session.now()) else { continue }
            session.note(EngineEvent(time: session.now(), entity: entity, kind: .fallback,
                message: "\(name(arm.entity)) failed (\(kind.rawValue)); falling back to \(name(entity))"))
            let rescue = await run(chat, prompt: prompt, on: fallbackPick, arm: arm.entity, isFallback: true,
                                   start: Monotonic.now(), maxRetries: 0, relay: relay)
            session.record(rescue.record)
            records.append(rescue.record)
            if rescue.record.outcome.error == nil || rescue.relayed { break }
        }
        return records
    }

    /// Compare mode: every entity gets the prompt at once; the records share a group for side-by-side.
    func compare(_ prompt: PromptItem, intendedStart: UInt64?) async -> [RequestRecord] {
        let start = intendedStart ?? Monotonic.now()
        let chat = chatRequest(prompt)
        let group = groups.add(1, ordering: .relaxed).newValue
        // Admitted together, before anything is sent: with every breaker open the prompt waits for the first
        // probe window (as split mode does); an entity still cooling down is told the prompt went without it.
        var picks: [RoutingState.Pick?] = []
        while true {
            let now = session.now()
            picks = wires.indices.map { routing.admitFallback($0, now: now) }
            if picks.contains(where: { $0 != nil }) { break }
            if Task.isCancelled {
                for entity in wires.indices { session.promptNotSent(entity: entity, reason: "the run stopped while every breaker was open") }
                return []
            }
            let wait = max(0.01, min(1, (routing.nextOpening(after: now) ?? now + 0.1) - now))
            try? await Task.sleep(for: .seconds(wait))
        }
        for (entity, pick) in picks.enumerated() where pick == nil {
            session.promptNotSent(entity: entity, reason: "breaker open")
        }
        return await withTaskGroup(of: RequestRecord?.self) { tasks in
            for (entity, pick) in picks.enumerated() {
                guard let pick else { continue }
                tasks.addTask {
                    var record = await self.run(chat, prompt: prompt, on: pick, arm: entity, isFallback: false,
                                                start: start, maxRetries: self.settings.retries.max, relay: nil).record
                    record.group = group
                    record.outcome.countsTowardSplit = false
                    self.session.record(record)
                    return record
                }
            }
            var records: [RequestRecord] = []
            for await record in tasks { if let record { records.append(record) } }
            return records.sorted { $0.outcome.entity < $1.outcome.entity }
        }
    }

    func chatRequest(_ prompt: PromptItem, overrides: RequestOverrides = .init()) -> ChatRequest {
        ChatRequest(messages: prompt.messages, maxTokens: overrides.maxTokens ?? settings.request.maxTokens,
                    temperature: overrides.temperature ?? settings.request.temperature,
                    stream: overrides.stream ?? settings.request.stream, stop: overrides.stop, topP: overrides.topP,
                    openAIExtras: overrides.openAIExtras)
    }

    /// Attempts on one entity, retrying what is worth retrying. The outcome spans all attempts: E2E from `start`
    /// (the first attempt, or the intended send time) to the last byte of the last attempt.
    /// `relayed` says whether any content reached the relay (then the request cannot move elsewhere).
    func run(_ chat: ChatRequest, prompt: PromptItem, on pick: RoutingState.Pick, arm: Int, isFallback: Bool,
             start: UInt64, maxRetries: Int, relay: (any ContentRelay)?) async -> (record: RequestRecord, relayed: Bool) {
        let entity = pick.entity
        session.requestStarted(entity: entity)
        var retries = 0
        var isProbe = pick.isProbe
        while true {
            let attempt = await self.attempt(chat, on: entity, start: retries == 0 ? start : Monotonic.now(),
                                             relay: relay)
            let failure = attempt.failure
            let ok = failure == nil || !(failure!.kind.countsAgainstProvider)
            if let transition = routing.record(entity: entity, success: ok, isProbe: isProbe, now: session.now()) {
                noteBreaker(transition, entity: entity)
            }
            isProbe = false
            if let failure {
                session.note(EngineEvent(time: session.now(), entity: entity, kind: .error(failure.kind),
                                         message: "\(name(entity)): \(failure)"))
            }
            if let failure, failure.kind.isRetryable, retries < maxRetries, !attempt.relayed, !Task.isCancelled,
               routing.isClosed(entity) {
                let delay = backoff(retry: retries, retryAfter: failure.retryAfter)
                session.note(EngineEvent(time: session.now(), entity: entity, kind: .retry,
                    message: "\(name(entity)): retry \(retries + 1) in \(Int(delay * 1000)) ms"))
                try? await Task.sleep(for: .seconds(delay))
                retries += 1
                continue
            }
            let usage = attempt.result.map { WireFormat.usage(of: $0, for: chat) }
                ?? TokenUsage(input: TokenUsage.estimate(characters: chat.characterCount),
                              output: TokenUsage.estimate(characters: attempt.partialText.count), estimated: true)
            let outcome = RequestOutcome(
                entity: entity, arm: arm, epoch: pick.epoch, isFallback: isFallback, retries: retries,
                timing: RequestTiming(start: start, firstByte: attempt.firstByte, firstToken: attempt.firstToken,
                                      end: attempt.end),
                streamed: chat.stream, status: attempt.status, error: failure?.kind, usage: usage,
                costUSD: prices[entity]?.cost(inputTokens: usage.input, outputTokens: usage.output))
            let record = RequestRecord(outcome: outcome, promptID: prompt.id, prompt: prompt.text,
                                       output: attempt.result?.text ?? attempt.partialText,
                                       finishReason: attempt.result?.finishReason, errorMessage: failure?.message,
                                       retryAfter: failure?.retryAfter)
            return (record, attempt.relayed)
        }
    }

    /// Exponential backoff with jitter (50–100 % of base·2ⁿ), never shorter than the provider's Retry-After.
    func backoff(retry: Int, retryAfter: Double?) -> Double {
        let base = Double(settings.retries.backoffMilliseconds) / 1000 * Double(1 << min(retry, 10))
        let jitter = random.withLock { 0.5 + 0.5 * $0.unit() }
        return min(60, max(retryAfter ?? 0, base * jitter))
    }

    private func noteBreaker(_ transition: Breaker.Transition, entity: Int) {
        let now = session.now()
        switch transition {
        case .opened(let until), .reopened(let until):
            session.note(EngineEvent(time: now, entity: entity, kind: .breakerOpened,
                message: "\(name(entity)): breaker open, cooling down for \(Int((until - now).rounded())) s"))
        case .closed:
            session.note(EngineEvent(time: now, entity: entity, kind: .breakerClosed,
                message: "\(name(entity)): probe succeeded, breaker closed"))
        }
    }

    func name(_ entity: Int) -> String { session.endpoint.servedEntities[entity].name }

    /// One HTTP call and its decoding.
    struct Attempt {
        var result: ChatResult?
        var failure: ProviderError?
        var status: Int?
        var firstByte: UInt64?
        var firstToken: UInt64?
        var end: UInt64
        var partialText: String
        var relayed: Bool
    }

    /// One attempt, with every text from the provider (answer, finish reason, error message, partial text) passed
    /// through `SecretRedactor` here, before anything stores, shows or relays it.
    func attempt(_ chat: ChatRequest, on entity: Int, start: UInt64, relay: (any ContentRelay)? = nil) async -> Attempt {
        var a = await unredactedAttempt(chat, on: entity, start: start, relay: relay)
        if var result = a.result {
            result.text = SecretRedactor.redact(result.text)
            result.finishReason = result.finishReason.map(SecretRedactor.redact)
            a.result = result
        }
        if var failure = a.failure {
            failure.message = SecretRedactor.redact(failure.message)
            a.failure = failure
        }
        a.partialText = SecretRedactor.redact(a.partialText)
        return a
    }

    private func unredactedAttempt(_ chat: ChatRequest, on entity: Int, start: UInt64,
                                   relay: (any ContentRelay)?) async -> Attempt {
        let wire = wires[entity]
        let sink = AttemptSink(streaming: chat.stream, decoder: wire.makeStreamDecoder(limits: settings.limits),
                               relay: relay.map { (entity, $0) }, maxBody: settings.limits.bodyBytes)
        let t = await transport.perform(wire.request(chat), timeouts: settings.timeouts, sink: sink, start: start)
        var a = Attempt(result: nil, failure: nil, status: t.status, firstByte: t.firstByte,
                        firstToken: sink.firstToken, end: t.end, partialText: "", relayed: sink.relayed)
        if let failure = sink.cut ?? t.failure {
            a.failure = failure
            a.partialText = sink.decodesStream ? sink.partialText : ""
            return a
        }
        let status = t.status ?? 0
        guard (200..<300).contains(status) else {
            a.failure = WireFormat.error(status: status, body: sink.body, headers: t.headers)
            return a
        }
        let decoded = sink.streaming ? sink.finishStream() : wire.decode(body: sink.body)
        switch decoded {
        case .success(let result): a.result = result
        case .failure(let error):
            a.failure = error
            a.partialText = sink.streaming ? sink.partialText : ""
        }
        if !sink.streaming { a.firstToken = nil }
        return a
    }
}
