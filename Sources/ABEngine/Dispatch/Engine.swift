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
    /// A piece of a streamed tool call (its first piece carries the id and name).
    func toolCall(_ delta: ToolCallDelta, entity: Int)
}

/// Sends prompts: router pick → the attempt sequence (`AttemptSequence`: retries with backoff, fallbacks in
/// `served_entities` order) carried out against the transport → breaker bookkeeping. Every step shows in the
/// outcomes it records.
public final class Engine: Sendable {
    public let session: Session
    public let routing: RoutingState
    public let transport: any Transport
    let wires: [WireFormat]
    let settings: EngineSettings
    /// Each entity's price, looked up once.
    let prices: [Price?]
    private let random: Mutex<SplitMix64>
    private let groups = Atomic<Int>(0)
    private let fallback: Atomic<Bool>
    private let tokens = AccessTokens()

    public init(session: Session, resolved: [ResolvedEntity], transport: any Transport, seed: UInt64) {
        let config = session.endpoint
        self.session = session
        self.transport = transport
        self.settings = EngineSettings(config)
        self.wires = resolved.map {
            WireFormat($0, defaults: config.settings.request, arm: config.settings.entities[$0.entity.name] ?? .init())
        }
        self.prices = config.prices
        self.routing = RoutingState(
            router: Router(
                weights: config.weights, strategy: config.settings.strategy,
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

    /// Changes the split from the next request on, opening a new epoch: the router and the session's stats,
    /// log and observers move in one step (see `Session.reweight`).
    /// Weights that do not cover exactly this endpoint's entities (a dashboard key meant for another endpoint)
    /// change nothing.
    @discardableResult
    public func setWeights(_ weights: Weights) -> SplitEpoch {
        guard weights.count == wires.count else { return routing.epoch }
        return session.reweight { now in routing.setWeights(weights, at: now) }
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
    public func serve(_ prompt: PromptItem, overrides: RequestOverrides, relay: (any ContentRelay)?) async
        -> [RequestRecord]
    {
        await split(prompt, intendedStart: nil, overrides: overrides, relay: relay)
    }

    /// Split mode: one entity by weight, with retries, then fallbacks if enabled.
    func split(
        _ prompt: PromptItem, intendedStart: UInt64?, overrides: RequestOverrides = .init(),
        relay: (any ContentRelay)? = nil
    ) async -> [RequestRecord] {
        let start = intendedStart ?? Monotonic.now()
        let chat = chatRequest(prompt, overrides: overrides)
        var pick: RoutingState.Pick?
        while pick == nil {
            let now = session.now()
            pick = routing.pick(stickyKey: prompt.session, now: now)
            if pick == nil {
                // Every entity with a share is cooling down: wait for the first probe window.
                if Task.isCancelled { return [] }
                try? await Task.sleep(for: .seconds(waitForOpening(now)))
            }
        }
        // A sticky session's later requests follow its first pick: only that pick was randomised.
        if pick!.steered {
            session.steered(entity: pick!.entity)
        } else if !pick!.repeatsSession {
            session.assigned(entity: pick!.entity, epoch: pick!.epoch)
        }
        return await attempts(chat, prompt: prompt, from: pick!, start: start, fallback: fallbackEnabled, relay: relay)
    }

    /// Compare mode: every entity gets the prompt at once; the records share a group for side-by-side.
    func compare(_ prompt: PromptItem, intendedStart: UInt64?) async -> [RequestRecord] {
        let start = intendedStart ?? Monotonic.now()
        let chat = chatRequest(prompt)
        let group = groups.add(1, ordering: .relaxed).newValue
        let ticket = session.promptIssued()
        // Admitted together, before anything is sent: with every breaker open the prompt waits for the first
        // probe window (as split mode does); an entity still cooling down is told the prompt went without it.
        var picks: [RoutingState.Pick?] = []
        while true {
            let now = session.now()
            picks = wires.indices.map { routing.admitFallback($0, now: now) }
            if picks.contains(where: { $0 != nil }) { break }
            if Task.isCancelled {
                for entity in wires.indices {
                    session.promptNotSent(entity: entity, reason: "the run stopped while every breaker was open")
                }
                session.recordPaired([], ticket: ticket)
                return []
            }
            try? await Task.sleep(for: .seconds(waitForOpening(now)))
        }
        for (entity, pick) in picks.enumerated() where pick == nil {
            session.promptNotSent(entity: entity, reason: "breaker open")
        }
        return await withTaskGroup(of: [RequestRecord].self) { tasks in
            for pick in picks.compactMap({ $0 }) {
                tasks.addTask {
                    await self.attempts(
                        chat, prompt: prompt, from: pick, start: start, fallback: false, relay: nil,
                        group: group)
                }
            }
            var records: [RequestRecord] = []
            for await done in tasks { records += done }
            records.sort { $0.outcome.entity < $1.outcome.entity }
            session.recordPaired(records, ticket: ticket)
            return records
        }
    }

    /// How long to wait when every entity is cooling down: until the first probe window, 10 ms to 1 s.
    private func waitForOpening(_ now: Double) -> Double {
        max(0.01, min(1, (routing.nextOpening(after: now) ?? now + 0.1) - now))
    }

    func chatRequest(_ prompt: PromptItem, overrides: RequestOverrides = .init()) -> ChatRequest {
        var chat = ChatRequest(
            messages: prompt.messages, maxTokens: overrides.maxTokens ?? settings.request.maxTokens,
            temperature: overrides.temperature ?? settings.request.temperature,
            stream: overrides.stream ?? settings.request.stream, stop: overrides.stop, topP: overrides.topP,
            openAIExtras: overrides.openAIExtras, tools: overrides.tools.isEmpty ? prompt.tools : overrides.tools,
            toolChoice: overrides.toolChoice ?? prompt.toolChoice,
            responseFormat: overrides.responseFormat ?? prompt.responseFormat)
        chat.task = session.endpoint.endpointTask
        if chat.task == .embeddings {
            // Embeddings are one answer, never streamed: there is no first token to time.
            chat.stream = false
            chat.inputs = overrides.inputs.isEmpty ? [prompt.text] : overrides.inputs
        }
        return chat
    }

    /// Carries out the attempt sequence from `first` (the router's pick): each action of `AttemptSequence` done
    /// here, against the transport, the breakers and the session. Each entity's outcome spans all its attempts:
    /// E2E from `start` (its first attempt, or the intended send time) to the last byte of its last attempt.
    /// Compare mode passes its `group` (no fallback; records kept out of the split's counts).
    func attempts(
        _ chat: ChatRequest, prompt: PromptItem, from first: RoutingState.Pick, start: UInt64,
        fallback: Bool, relay: (any ContentRelay)?, group: Int? = nil
    ) async -> [RequestRecord] {
        var sequence = AttemptSequence(
            arm: first.entity,
            policy: .init(
                maxRetries: settings.retries.max, backoffMilliseconds: settings.retries.backoffMilliseconds,
                fallback: fallback))
        var records: [RequestRecord] = []
        var pick = first
        var entityStart = start
        var attemptStart = start
        var last: Attempt?
        let ticket = session.requestStarted(entity: first.entity, analysed: !first.repeatsSession)
        var action = sequence.start()
        while true {
            switch action {
            case .send(let entity, _):
                let attempt = await self.attempt(chat, on: entity, start: attemptStart, relay: relay)
                let failure = attempt.failure
                let ok = failure.map { !$0.kind.countsAgainstProvider } ?? true
                if let transition = routing.record(
                    entity: entity, success: ok, isProbe: pick.isProbe, now: session.now())
                {
                    noteBreaker(transition, entity: entity)
                }
                pick = RoutingState.Pick(entity: entity, epoch: pick.epoch, isProbe: false)
                if let failure {
                    session.note(
                        EngineEvent(
                            time: session.now(), entity: entity, kind: .error(failure.kind),
                            message: "\(name(entity)): \(failure)"))
                }
                last = attempt
                action = sequence.next(
                    after: .attempted(
                        failure: failure?.kind, retryAfter: failure?.retryAfter, relayed: attempt.relayed,
                        breakerClosed: routing.isClosed(entity)),
                    jitter: failure == nil ? 1 : random.withLock { $0.unit() }, cancelled: Task.isCancelled)
            case .backoff(let entity, let seconds, let retry):
                session.note(
                    EngineEvent(
                        time: session.now(), entity: entity, kind: .retry,
                        message: "\(name(entity)): retry \(retry) in \(Int(seconds * 1000)) ms"))
                try? await Task.sleep(for: .seconds(seconds))
                attemptStart = Monotonic.now()
                action = sequence.next(after: .waited, cancelled: Task.isCancelled)
            case .record(let entity, let isFallback, let retries):
                var record = self.record(
                    last!, chat: chat, prompt: prompt, entity: entity, arm: sequence.arm,
                    epoch: pick.epoch, isFallback: isFallback, retries: retries, start: entityStart)
                if !isFallback {
                    record.outcome.issue = ticket
                    record.outcome.repeatsSession = first.repeatsSession
                }
                if let group {
                    record.group = group
                    record.outcome.countsTowardSplit = false
                }
                records.append(record)
                // The session keeps records for the dashboard and the journal: vectors stay with the caller.
                record.embeddings = []
                session.record(record)
                action = sequence.next(after: .recorded, cancelled: Task.isCancelled)
            case .listFallbacks(let arm):
                action = sequence.next(after: .candidates(routing.fallbackOrder(after: arm, now: session.now())))
            case .admit(let entity):
                guard let admitted = routing.admitFallback(entity, now: session.now()) else {
                    action = sequence.next(after: .refused)
                    continue
                }
                let kind = records.first?.outcome.error?.rawValue ?? "failed"
                session.note(
                    EngineEvent(
                        time: session.now(), entity: entity, kind: .fallback,
                        message: "\(name(sequence.arm)) failed (\(kind)); falling back to \(name(entity))"))
                pick = admitted
                entityStart = Monotonic.now()
                attemptStart = entityStart
                session.requestStarted(entity: entity, analysed: false)
                action = sequence.next(after: .admitted)
            case .done:
                return records
            }
        }
    }

    /// One entity's outcome, from its last attempt.
    private func record(
        _ attempt: Attempt, chat: ChatRequest, prompt: PromptItem, entity: Int, arm: Int, epoch: Int,
        isFallback: Bool, retries: Int, start: UInt64
    ) -> RequestRecord {
        let failure = attempt.failure
        // A failure that produced nothing is billed nothing (providers do not charge a refused request); one that
        // streamed part of an answer is estimated like any answer without usage.
        let usage: TokenUsage =
            if let result = attempt.result {
                // Estimated (where the provider gave no usage) from what this arm actually sent.
                WireFormat.usage(of: result, for: chat.applying(wires[entity].arm))
            } else if attempt.partialText.isEmpty {
                TokenUsage()
            } else {
                TokenUsage(
                    input: TokenUsage.estimate(characters: chat.characterCount),
                    output: TokenUsage.estimate(characters: attempt.partialText.count), estimated: true)
            }
        let check = attempt.result.flatMap { r in prompt.expect?.check(text: r.text, calls: r.toolCalls) }
        var outcome = RequestOutcome(
            entity: entity, arm: arm, epoch: epoch, isFallback: isFallback, retries: retries,
            timing: RequestTiming(
                start: start, firstByte: attempt.firstByte, firstToken: attempt.firstToken,
                end: attempt.end),
            streamed: chat.stream, status: attempt.status, error: failure?.kind, usage: usage,
            costUSD: prices[entity]?.cost(inputTokens: usage.input, outputTokens: usage.output))
        outcome.checkPassed = check?.passed
        var record = RequestRecord(
            outcome: outcome, promptID: prompt.id, prompt: prompt.text,
            output: attempt.result?.displayText ?? attempt.partialText,
            finishReason: attempt.result?.finishReason, errorMessage: failure?.message,
            retryAfter: failure?.retryAfter, toolCalls: attempt.result?.toolCalls ?? [])
        record.check = check
        record.embeddings = attempt.result?.embeddings ?? []
        return record
    }

    private func noteBreaker(_ transition: Breaker.Transition, entity: Int) {
        let now = session.now()
        switch transition {
        case .opened(let until), .reopened(let until):
            session.note(
                EngineEvent(
                    time: now, entity: entity, kind: .breakerOpened,
                    message: "\(name(entity)): breaker open, cooling down for \(Int((until - now).rounded())) s"))
        case .closed:
            session.note(
                EngineEvent(
                    time: now, entity: entity, kind: .breakerClosed,
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

    /// One attempt, with every text from the provider (answer, tool calls' ids, names and arguments, finish reason,
    /// error message, partial text) passed
    /// through `SecretRedactor` here, before anything stores, shows or relays it.
    func attempt(_ chat: ChatRequest, on entity: Int, start: UInt64, relay: (any ContentRelay)? = nil) async -> Attempt
    {
        var a = await unredactedAttempt(chat, on: entity, start: start, relay: relay)
        if var result = a.result {
            result.text = SecretRedactor.redact(result.text)
            for i in result.toolCalls.indices {
                result.toolCalls[i].id = SecretRedactor.redact(result.toolCalls[i].id)
                result.toolCalls[i].name = SecretRedactor.redact(result.toolCalls[i].name)
                result.toolCalls[i].arguments = SecretRedactor.redact(result.toolCalls[i].arguments)
            }
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

    /// Embeddings for a model that takes fewer texts per call than were asked (Titan takes one): the texts go in
    /// turn, as one attempt that fails if any call fails, timed from the first call to the last.
    private func batchedEmbeddings(_ chat: ChatRequest, on entity: Int, start: UInt64) async -> Attempt {
        let size = wires[entity].maxInputs
        var merged = ChatResult(inputTokens: 0, outputTokens: 0)
        var first: Attempt?
        var last: Attempt?
        for from in stride(from: 0, to: chat.inputs.count, by: size) {
            var part = chat
            part.inputs = Array(chat.inputs[from..<min(chat.inputs.count, from + size)])
            let a = await unredactedAttempt(part, on: entity, start: first == nil ? start : Monotonic.now(), relay: nil)
            if first == nil { first = a }
            last = a
            guard let r = a.result else { return a }
            merged.embeddings += r.embeddings
            merged.inputTokens = r.inputTokens.flatMap { n in merged.inputTokens.map { $0 + n } }
            if Task.isCancelled, merged.embeddings.count < chat.inputs.count {
                // Fewer vectors than texts is no answer: the request was cancelled part way.
                return Attempt(
                    result: nil,
                    failure: ProviderError(kind: .cancelled, message: "cancelled part way through the texts"),
                    status: a.status, firstByte: first?.firstByte, firstToken: nil, end: Monotonic.now(),
                    partialText: "", relayed: false)
            }
        }
        return Attempt(
            result: merged, failure: nil, status: last?.status, firstByte: first?.firstByte, firstToken: nil,
            end: last?.end ?? Monotonic.now(), partialText: "", relayed: false)
    }

    private func unredactedAttempt(
        _ chat: ChatRequest, on entity: Int, start: UInt64,
        relay: (any ContentRelay)?
    ) async -> Attempt {
        let wire = wires[entity]
        if chat.task == .embeddings, chat.inputs.count > wire.maxInputs {
            guard chat.inputs.count <= WireFormat.maxBatchedInputs else {
                return Attempt(
                    result: nil,
                    failure: ProviderError(
                        kind: .http4xx, status: 400,
                        message: "\(wire.model) embeds \(wire.maxInputs) text per call; abtop sends at most "
                            + "\(WireFormat.maxBatchedInputs) in turn, and \(chat.inputs.count) were asked"),
                    status: 400, firstByte: nil, firstToken: nil, end: Monotonic.now(), partialText: "", relayed: false)
            }
            return await batchedEmbeddings(chat, on: entity, start: start)
        }
        var accessToken: SecretValue?
        if let key = wire.serviceAccount {
            switch await tokens.token(entity: entity, key: key, transport: transport, timeouts: settings.timeouts) {
            case .success(let token): accessToken = token
            case .failure(let failure):
                return Attempt(
                    result: nil, failure: failure, status: failure.status, firstByte: nil, firstToken: nil,
                    end: Monotonic.now(), partialText: "", relayed: false)
            }
        }
        let sink = AttemptSink(
            streaming: chat.stream, decoder: wire.makeStreamDecoder(for: chat, limits: settings.limits),
            relay: relay.map { (entity, $0) }, maxBody: settings.limits.bodyBytes)
        let t = await transport.perform(
            wire.request(chat, accessToken: accessToken), timeouts: settings.timeouts, sink: sink, start: start)
        if sink.decodesStream { sink.readWaiting() }
        var a = Attempt(
            result: nil, failure: nil, status: t.status, firstByte: t.firstByte,
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
        let decoded = sink.streaming ? sink.finishStream() : wire.decode(body: sink.body, for: chat)
        switch decoded {
        case .success(var result):
            if result.inputTokens == nil, let n = t.headers["x-amzn-bedrock-input-token-count"].flatMap({ Int($0) }) {
                result.inputTokens = n
            }
            a.result = result
        case .failure(let error):
            a.failure = error
            a.partialText = sink.streaming ? sink.partialText : ""
        }
        if !sink.streaming { a.firstToken = nil }
        return a
    }
}
