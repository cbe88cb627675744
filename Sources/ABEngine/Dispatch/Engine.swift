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
    let random: Mutex<SplitMix64>
    private let groups = Atomic<Int>(0)
    private let fallback: Atomic<Bool>
    let tokens = AccessTokens()

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
                seed: seed, sticky: config.settings.sticky, floor: config.settings.floor),
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

    /// Sends one prompt the way the session's mode says; returns the rows it recorded.
    @discardableResult
    public func send(_ prompt: PromptItem, intendedStart: UInt64? = nil) async -> [RequestRecord] {
        switch session.mode {
        case .split: await split(prompt, intendedStart: intendedStart).map(\.record)
        case .compare: await compare(prompt, intendedStart: intendedStart).map(\.record)
        }
    }

    /// Sends one prompt by the split whatever the mode (a served request has one caller waiting for one answer),
    /// with the caller's overrides; a streamed answer's content goes to `relay` as it arrives.
    public func serve(_ prompt: PromptItem, overrides: RequestOverrides, relay: (any ContentRelay)?) async
        -> [Served]
    {
        await split(prompt, intendedStart: nil, overrides: overrides, relay: relay)
    }

    /// Sends one prompt to `entity` whatever the split (the judge, or a fresh answer to judge against), with its
    /// retries and no fallback; nil when its breaker holds it out.
    public func send(_ prompt: PromptItem, to entity: Int, overrides: RequestOverrides = .init()) async -> Served? {
        guard wires.indices.contains(entity), let pick = routing.admitFallback(entity, now: session.now()) else {
            return nil
        }
        var chat = chatRequest(prompt, overrides: overrides)
        // The entity's own task: the judge is a chat model whatever the endpoint's arms serve.
        chat.task = EndpointTask(rawValue: session.endpoint.servedEntities[entity].task) ?? chat.task
        let served = await attempts(
            chat, prompt: prompt, from: pick, start: Monotonic.now(), fallback: false, relay: nil)
        return served.last
    }

    /// Split mode: one entity by weight, with retries, then fallbacks if enabled.
    func split(
        _ prompt: PromptItem, intendedStart: UInt64?, overrides: RequestOverrides = .init(),
        relay: (any ContentRelay)? = nil
    ) async -> [Served] {
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
    func compare(_ prompt: PromptItem, intendedStart: UInt64?) async -> [Served] {
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
        return await withTaskGroup(of: [Served].self) { tasks in
            for pick in picks.compactMap({ $0 }) {
                tasks.addTask {
                    await self.attempts(
                        chat, prompt: prompt, from: pick, start: start, fallback: false, relay: nil,
                        group: group)
                }
            }
            var served: [Served] = []
            for await done in tasks { served += done }
            served.sort { $0.record.outcome.entity < $1.record.outcome.entity }
            session.recordPaired(served.map(\.record), ticket: ticket)
            return served
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
            extraParameters: overrides.extraParameters, tools: overrides.tools.isEmpty ? prompt.tools : overrides.tools,
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

    func name(_ entity: Int) -> String { session.endpoint.servedEntities[entity].name }
}
