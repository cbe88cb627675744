import ABCore
import ABEngine
import ABProviders
import ABServer
import ABStore
import Foundation
import Synchronization

/// One served endpoint over the engine: requests from the HTTP side go through the same router, retries,
/// fallbacks, breaker, stats and journal as `abtop run`, so the dashboard, reports and verdicts read served
/// traffic exactly as they read a run.
final class ServeRuntime: EndpointRuntime {
    let host: SessionHost
    /// The dashboard's view of this endpoint.
    let live: LiveModel
    private let state = Mutex(State())

    private struct State {
        var inFlight = 0
        var closed = false
        /// The entity that answered each of the latest requests, by id, and the metrics it has feedback on (one
        /// each: a retried POST or a stuffed ballot is refused); oldest dropped first.
        var answeredBy: [String: (entity: Int, rated: Set<String>)] = [:]
        var answered: [String] = []
        var firstKept = 0
    }

    /// Answer only once the request is in the journal's file (a fleet replica's spool): a `kill -9` then loses
    /// only requests still in flight, never one a client was answered.
    let durable: Bool
    /// In a fleet: the fleet's one rollout of this endpoint, run by its leader (`FleetRollouts`), not this replica's.
    let fleet: FleetRollouts.Slot?

    init(host: SessionHost, durable: Bool = false, fleet: FleetRollouts.Slot? = nil) {
        self.host = host
        self.durable = durable
        self.fleet = fleet
        self.live = LiveModel(host: host, control: LoadControl(), rate: nil)
    }

    var engine: Engine { host.engine }

    var weights: Weights { engine.routing.weights }

    func setWeights(_ weights: Weights) {
        engine.setWeights(weights)
    }

    func setFallback(_ enabled: Bool) {
        engine.fallbackEnabled = enabled
    }

    /// The analysis thread's latest result (the thread starts with the first scrape or dashboard frame and
    /// analyses once a second; the very first scrape analyses at once rather than show nothing).
    var analysis: (verdicts: [Verdict], srm: [SRMResult]) {
        var result = host.analysis.result
        if result.time < 0 { result = host.analysis.refresh() }
        return (result.verdicts, result.srm)
    }

    /// The engine runs in a task of its own (the handler reads its events meanwhile), on the transport's loop:
    /// the thread that reads the provider's stream is the one that relays it, with no hop in between.
    func invoke(_ invocation: Invocation) -> InvocationEvents {
        let events = InvocationEvents()
        let task = Task(executorPreference: engine.transport.callerExecutor) {
            events.push(.finished(await self.send(invocation, relay: EventRelay(events))))
        }
        // A client that leaves or does not read stops the request upstream (the journal counts it as cancelled).
        events.onCancel { task.cancel() }
        return events
    }

    func call(_ invocation: Invocation) async -> InvocationResult {
        await send(invocation, relay: nil)
    }

    private func send(_ invocation: Invocation, relay: EventRelay?) async -> InvocationResult {
        let admitted = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.inFlight += 1
            return true
        }
        guard admitted else {
            return InvocationResult(
                entity: nil,
                failure: ProviderError(
                    kind: .cancelled,
                    message: "the endpoint is being deleted or replaced"))
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        let prompt = PromptItem(id: invocation.id, messages: invocation.messages, session: invocation.sessionKey)
        let served = await engine.serve(prompt, overrides: invocation.parameters, relay: relay)
        let result = Self.result(served)
        if durable, let writer = host.recording?.writer { await writer.flushDurably() }
        if let entity = result.entity { remember(invocation.id, entity: entity) }
        // Judged after the answer is complete, on the judge's own workers: the client never waits for it.
        if let judge = host.judge, let last = served.last {
            judge.offer(prompt, requestID: invocation.id, answer: last.record, overrides: invocation.parameters)
        }
        return result
    }

    var coolingDown: [Double?] {
        let now = host.session.now()
        return engine.routing.breakerStates.map { state in
            if case .open(let until) = state, until > now { return until - now }
            return nil
        }
    }

    func coolDown(entity: Int, seconds: Double, reason: String) -> Bool {
        // Never longer than this endpoint's own cooldown: a replica's clock ahead (or a value written into Redis by
        // anyone) cannot hold an entity out for longer than one of its own breakers would.
        let seconds = min(seconds, host.session.endpoint.settings.breaker.cooldown)
        guard seconds.isFinite, seconds > 0, host.session.endpoint.servedEntities.indices.contains(entity) else {
            return false
        }
        let now = host.session.now()
        guard engine.routing.coolDown(entity, until: now + seconds, now: now) else { return false }
        host.session.note(
            EngineEvent(
                time: now, entity: entity, kind: .breakerOpened,
                message:
                    "\(host.session.endpoint.servedEntities[entity].name): cooling down \(Int(seconds.rounded())) s "
                    + "with the fleet (\(reason))"))
        return true
    }

    /// Keeps the id of an answered request for feedback, forgetting the oldest past the registry's bound.
    private func remember(_ id: String, entity: Int) {
        state.withLock { s in
            s.answeredBy[id] = (entity, [])
            s.answered.append(id)
            if s.answered.count - s.firstKept > ServingRegistry.rememberedRequests {
                s.answeredBy[s.answered[s.firstKept]] = nil
                s.firstKept += 1
                if s.firstKept >= 4_096 {
                    s.answered.removeFirst(s.firstKept)
                    s.firstKept = 0
                }
            }
        }
    }

    func feedback(requestID: String, metric: String, value: Double, isBoolean: Bool, comment: String?)
        -> FeedbackOutcome
    {
        enum Claim {
            case unknown, again
            case entity(Int)
        }
        let claim = state.withLock { s -> Claim in
            guard let known = s.answeredBy[requestID] else { return .unknown }
            guard !known.rated.contains(metric) else { return .again }
            s.answeredBy[requestID]?.rated.insert(metric)
            return .entity(known.entity)
        }
        let entity: Int
        switch claim {
        case .unknown: return .unknownRequest
        case .again:
            return .refused("request \(requestID) already has feedback on \(metric): one per request and metric")
        case .entity(let e): entity = e
        }
        let f = Feedback(
            requestID: requestID, entity: entity, metric: metric, value: value, isBoolean: isBoolean,
            comment: comment)
        guard engine.session.feedback(f) else {
            state.withLock { _ = $0.answeredBy[requestID]?.rated.remove(metric) }
            return .refused(
                "feedback \"\(metric)\" cannot be taken: an endpoint takes at most \(Feedback.maxMetrics) metrics, "
                    + "each always boolean or always numeric, and none after it is deleted")
        }
        return .taken
    }

    /// Waits (up to a minute) for the requests in flight, then ends the session (and its journal session).
    func close() async {
        state.withLock { $0.closed = true }
        let deadline = Date().addingTimeInterval(60)
        while state.withLock({ $0.inFlight }) > 0, Date() < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        // A deleted endpoint does not wait minutes on its judge: what is unjudged after 10 s is recorded so.
        await host.settleJudge(within: 10, quietly: true)
        host.close()
    }

    var rollout: RolloutState? {
        if let fleetRollouts = fleet?.value { return fleetRollouts.state(host.session.endpoint.name) }
        return host.rollout?.current
    }

    func rollout(_ action: RolloutAction) async throws(ServingError) -> RolloutState {
        if let fleetRollouts = fleet?.value {
            return try await fleetRollouts.perform(host.session.endpoint.name, action)
        }
        guard let controller = host.rollout else {
            throw ServingError(status: 400, code: "INVALID_STATE", message: "this endpoint runs no rollouts")
        }
        return try Self.perform(action, on: controller)
    }

    /// Starts, pauses, resumes or aborts `controller`'s rollout, its refusals as serve answers them.
    static func perform(_ action: RolloutAction, on controller: RolloutController) throws(ServingError) -> RolloutState
    {
        do throws(RolloutController.Refusal) {
            switch action {
            case .start(let plan):
                try controller.start(plan)
                guard let state = controller.current else { throw RolloutController.Refusal.none }
                return state
            case .command(let c):
                return try controller.command(c)
            }
        } catch {
            switch error {
            case .none: throw ServingError(status: 404, code: "RESOURCE_DOES_NOT_EXIST", message: "\(error)")
            case .running, .unchanged:
                throw ServingError(status: 409, code: "RESOURCE_CONFLICT", message: "\(error)")
            case .plan(let issues): throw ServingError.config(issues)
            }
        }
    }

    /// The served answer: the last entity's (the fallback that rescued it, or the attempt that failed last), read
    /// from its typed outcome.
    static func result(_ served: [Served]) -> InvocationResult {
        guard let last = served.last else {
            return InvocationResult(
                entity: nil, failure: ProviderError(kind: .cancelled, message: "the request was cancelled"))
        }
        let o = last.record.outcome
        var result = InvocationResult(
            entity: o.entity, text: last.text, finishReason: last.answer?.finishReason, inputTokens: o.usage.input,
            outputTokens: o.usage.output, failure: last.failure, toolCalls: last.answer?.toolCalls ?? [])
        result.embeddings = last.answer?.embeddings ?? []
        return result
    }
}

/// Passes streamed content from the transport thread to the request's events.
final class EventRelay: ContentRelay {
    let events: InvocationEvents

    init(_ events: InvocationEvents) {
        self.events = events
    }

    func content(_ text: String, entity: Int) {
        events.push(.content(entity: entity, text: text))
    }

    func toolCall(_ delta: ToolCallDelta, entity: Int) {
        events.push(.toolCall(entity: entity, delta))
    }
}

/// The service account the simulated Vertex AI signs tokens for: one RSA key per process, made when first needed
/// (making one takes a moment), so every simulated endpoint shares it.
enum SimulatedServiceAccount {
    private static let files = Mutex<[String: String]>([:])

    static func keyFile(tokenURI: String) -> String {
        files.withLock { files in
            if let file = files[tokenURI] { return file }
            let file = GoogleOAuth.makeKeyFile(
                clientEmail: "abtop-simulated@abtop.iam.gserviceaccount.com", tokenURI: tokenURI)
            files[tokenURI] = file
            return file
        }
    }
}

/// Builds each endpoint's engine, session and journal session; with `--simulate`, points every entity at the
/// embedded simulated providers.
struct ServeRuntimeFactory: EndpointRuntimeFactory {
    /// The simulated providers' root (`http://host:port`), or nil for the real ones.
    let simulated: String?
    let resolver: SecretResolver
    let journal: Journal?
    let transport: CurlTransport
    let seed: UInt64
    /// How verdicts are tested (α, margins); each endpoint's family is its entities × the split metrics, TTFT
    /// included (a client may stream).
    var analysis = VerdictAnalysis.Settings(streaming: true, paired: false)
    /// Each answer waits for its journal row to be written (`--store postgres://…`: the spool).
    var durable = false
    /// A fleet replica's per-second batches for `abtop watch --fleet` (`--fleet`).
    var fleetStats: FleetStats?
    /// A fleet replica's rollouts: the fleet's, run by each endpoint's leader (filled once the registry exists).
    var fleetRollouts: FleetRollouts.Slot?

    func make(config: EndpointConfig, configText: String, metrics: EndpointMetrics) throws -> any EndpointRuntime {
        if let judge = config.settings.judge, judge.rubric == nil, judge.rubricFile != nil {
            // A config sent over the API names no file on this machine for abtop to read.
            throw ServingError.config(
                ConfigIssues([
                    .error(
                        ConfigPath().key("abtop").key("judge").key("rubric_file"),
                        "a rubric file is read only from a config file serve loads at start",
                        fix: "send the rubric's text as \"rubric\"")
                ]))
        }
        let resolved: [ResolvedEntity]
        if let simulated {
            resolved = config.simulated(
                root: simulated, serviceAccountKey: SimulatedServiceAccount.keyFile(tokenURI: simulated + "/token"))
        } else {
            resolved = config.resolve(with: resolver)
            let missing = EndpointConfig.credentialIssues(resolved, severity: .error)
            if missing.hasErrors { throw ServingError.config(missing) }
        }
        // Embeddings are never streamed: no TTFT comparisons in their family.
        var analysis = analysis
        if config.endpointTask == .embeddings { analysis.streaming = false }
        // A served request's x-abtop-session header is an explicit ask for stickiness.
        var served = config
        served.settings.sticky = true
        let host: SessionHost
        let sink = fleetStats?.sink(endpoint: config.name)
        do {
            host = try SessionHost(
                .init(
                    config: served, configText: configText, resolved: resolved, mode: .split,
                    seed: config.settings.seed ?? seed, journal: journal,
                    observers: [metrics] + (sink.map { [$0] } ?? []), transport: transport,
                    analysis: analysis, rollouts: true))
        } catch let full as SecretRedactor.TableFull {
            // Said loudly, to the client and in the log: a key abtop could not redact is never used.
            Console.err("abtop serve: warning: \(full)")
            throw ServingError(status: 503, code: "RESOURCE_EXHAUSTED", message: "\(full)")
        }
        sink?.attach(origin: host.session.origin, weights: config.weights)
        // In a fleet the endpoint's leader resumes or starts rollouts, on the fleet's traffic.
        if fleetRollouts == nil { resumeOrStartRollout(host, config: config) }
        return ServeRuntime(host: host, durable: durable, fleet: fleetRollouts)
    }

    /// What the journal says about this endpoint's rollouts, applied: one under way resumes at its step (if its
    /// entities are still served and the config names no other plan); one that ended with the config's own plan
    /// has its final split applied again; the config's `abtop.rollout` starts only if it never ran here.
    private func resumeOrStartRollout(_ host: SessionHost, config: EndpointConfig) {
        guard let controller = host.rollout else { return }
        let saved = (try? journal?.latestRollout(endpoint: config.name)) ?? nil
        let names = config.servedEntities.map(\.name)
        let plan = config.settings.rollout
        if let saved, names.contains(saved.plan.baseline), names.contains(saved.plan.candidate),
            plan == nil || plan == saved.plan
        {
            do {
                try controller.start(saved.plan, resuming: saved)
                Console.err(
                    "abtop serve: \(config.name): "
                        + (saved.phase.isOver
                            ? "the rollout ended \(saved.phase.rawValue); its split is applied again"
                            : "rollout resumed at step \(saved.step + 1) of \(saved.plan.steps.count) "
                                + "(\(saved.percentage) % on \(saved.plan.candidate))"))
            } catch {
                Console.err("abtop serve: \(config.name): the journal's rollout cannot resume: \(error)")
            }
            return
        }
        if let saved, !saved.phase.isOver {
            Console.err(
                "abtop serve: \(config.name): the journal's rollout (\(saved.plan.candidate) over "
                    + "\(saved.plan.baseline)) is not resumed: "
                    + (plan == nil ? "its entities are no longer served" : "the config names another plan"))
        }
        guard let plan else { return }
        if (try? journal?.rolloutRan(endpoint: config.name, plan: plan)) == true {
            Console.err(
                "abtop serve: \(config.name): the config's rollout ran here before; POST …/rollout to run it again")
            return
        }
        do {
            try controller.start(plan)
        } catch {
            Console.err("abtop serve: \(config.name): the config's rollout cannot start: \(error)")
        }
    }
}

extension ServingRegistry.Endpoint {
    /// The endpoint's runtime as abtop made it. `ServeRuntimeFactory` is the only factory the composition root
    /// gives the registry, so every runtime is a `ServeRuntime`; this is the one place that says so (nil only in a
    /// test that installed another factory).
    var serve: ServeRuntime? { runtime as? ServeRuntime }
}
