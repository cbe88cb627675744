import ABCore
import ABProviders
import Synchronization

/// Sends pairs of answers to the LLM judge, off every request's path, and hands each verdict to the session.
///
/// The judge's calls (and serve's fresh answers from another arm to judge against) go through an engine and a
/// session of their own, over `EndpointConfig.judging()`: their tokens, cost and latency are counted in each
/// `Judgement`, never in the arms' figures. Each pair is asked in both orders; a verdict that flips with the order is
/// a tie (`Judgement`). At most `workers` pairs are judged at once and `capacity` wait: past that a pair is
/// recorded as not judged (`backlog`; the first `backlogRecords` of them one by one, the rest counted), never
/// dropped unseen.
public final class JudgeRunner: SessionObserver, Sendable {
    public let settings: JudgeSettings
    /// The judging session's engine: the arms (for fresh answers) and the judge, last.
    public let engine: Engine
    private let judge: Int
    private let arms: Int
    private let state: Mutex<State>
    static let workers = 2
    static let capacity = 64
    /// Pairs turned away for a full queue that are recorded one by one; past this they are only counted.
    static let backlogRecords = 1_000

    private struct State {
        var session: Session?
        var queue: [Job] = []
        /// The workers running, by id: cancelled when `finish` stops waiting.
        var workers: [Int: Task<Void, Never>] = [:]
        var nextWorker = 0
        /// Jobs being judged, by ticket: reported as `ended` if the run stops first (a late verdict is dropped).
        var inFlight: [Int: Judgement] = [:]
        var tickets = 0
        var closed = false
        /// `finish` stops waiting now (an interrupted run).
        var cutShort = false
        var random: SplitMix64
        /// The next pair to judge, in turn, so every pair of entities is judged.
        var turn = 0
        var backlogged = 0
    }

    private enum Job {
        case pair(Judgement, a: String, b: String, prompt: String)
        /// Serve: an answer to judge against a fresh answer from `stub.second`.
        case served(Judgement, answer: String, item: PromptItem, overrides: RequestOverrides)

        var stub: Judgement {
            switch self {
            case .pair(let j, _, _, _), .served(let j, _, _, _): j
            }
        }
    }

    /// `engine` is built over `EndpointConfig.judging()` (the judge is its last entity).
    public init(settings: JudgeSettings, engine: Engine, seed: UInt64) {
        self.settings = settings
        self.engine = engine
        judge = engine.session.endpoint.servedEntities.count - 1
        arms = judge
        state = Mutex(State(random: SplitMix64(seed: seed ^ 0x0A11_D6E5)))
    }

    /// The session whose answers are judged, and which keeps the verdicts (set once it exists).
    public func attach(_ session: Session) {
        state.withLock { $0.session = session }
    }

    /// Compare mode: a prompt's answers are all in; a sampled share of them is judged, one pair per prompt, the
    /// pairs taken in turn so that every pair of entities is judged. A sampled prompt with no pair of answers (an
    /// arm failed) has nothing to judge: its errors are the error verdicts' business.
    public func observe(_ event: SessionEvent) {
        guard case .compared(let group) = event else { return }
        let job = state.withLock { s -> Job? in
            guard !s.closed, s.random.unit() < settings.sample else { return nil }
            let answered = group.records.filter { $0.value.outcome.error == nil && !$0.value.output.isEmpty }
            let pairs = Self.pairs(arms)
            for k in 0..<pairs.count {
                let (x, y) = pairs[(s.turn + k) % pairs.count]
                guard let a = answered[x], let b = answered[y] else { continue }
                s.turn = (s.turn + k + 1) % pairs.count
                let stub = Judgement(group: group.id, promptID: group.promptID, first: x, second: y)
                return .pair(stub, a: a.output, b: b.output, prompt: group.prompt)
            }
            return nil
        }
        if let job { enqueue(job) }
    }

    /// Serve: a sampled share of answered requests is judged against a fresh answer to the same prompt from
    /// another arm (in turn), after the client has its answer.
    public func offer(_ item: PromptItem, requestID: String, answer: RequestRecord, overrides: RequestOverrides) {
        guard arms > 1, answer.outcome.error == nil, !answer.output.isEmpty else { return }
        let job = state.withLock { s -> Job? in
            guard !s.closed, s.random.unit() < settings.sample else { return nil }
            let others = (0..<arms).filter { $0 != answer.outcome.entity }
            let other = others[s.turn % others.count]
            s.turn += 1
            let stub = Judgement(
                group: nil, requestID: requestID, promptID: item.id, first: answer.outcome.entity, second: other)
            return .served(stub, answer: answer.output, item: item, overrides: overrides)
        }
        if let job { enqueue(job) }
    }

    /// Stops taking pairs and waits up to `seconds` (or until `cutShort`) for those queued and in flight; then
    /// cancels what is still running (its calls stop) and records what is left as `ended`. Call before the session
    /// ends.
    public func finish(within seconds: Double) async {
        state.withLock { $0.closed = true }
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline,
            state.withLock({ !$0.cutShort && (!$0.workers.isEmpty || !$0.queue.isEmpty) })
        {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let (session, left, running) = state.withLock { s in
            defer {
                s.queue.removeAll()
                s.inFlight.removeAll()
            }
            return (
                s.session, s.queue.map(\.stub) + s.inFlight.values.sorted { $0.promptID < $1.promptID },
                Array(s.workers.values)
            )
        }
        for task in running { task.cancel() }
        for var j in left {
            j.failure = .ended
            session?.judged(j)
        }
    }

    /// `finish` stops waiting at once (the user interrupted the run).
    public func cutShort() { state.withLock { $0.cutShort = true } }

    /// Pairs waiting or being judged.
    public var pending: Int { state.withLock { $0.queue.count + $0.inFlight.count } }

    /// Pairs turned away for a full queue beyond the first `backlogRecords` (counted, not recorded one by one).
    public var unrecordedBacklog: Int { state.withLock { max(0, $0.backlogged - Self.backlogRecords) } }

    private func enqueue(_ job: Job) {
        let (refused, session) = state.withLock { s -> ((Judgement.Failure, Bool)?, Session?) in
            // Checked again under this lock: `finish` may have closed since the job was sampled.
            if s.closed { return ((.ended, true), s.session) }
            guard s.queue.count < Self.capacity else {
                s.backlogged += 1
                return ((.backlog, s.backlogged <= Self.backlogRecords), s.session)
            }
            s.queue.append(job)
            if s.workers.count < Self.workers {
                // Registered under the lock, before it can run (its first step takes this lock): `finish` sees
                // every worker, and a worker's own removal always comes after its registration.
                s.nextWorker += 1
                let id = s.nextWorker
                s.workers[id] = Task { await self.work(id) }
            }
            return (nil, s.session)
        }
        guard let (failure, record) = refused, record else { return }
        var j = job.stub
        j.failure = failure
        session?.judged(j)
    }

    /// One worker: judges queued jobs until none is left.
    private func work(_ id: Int) async {
        while true {
            let next = state.withLock { s -> (Int, Job)? in
                guard !s.queue.isEmpty, !Task.isCancelled else {
                    s.workers[id] = nil
                    return nil
                }
                let job = s.queue.removeFirst()
                s.tickets += 1
                s.inFlight[s.tickets] = job.stub
                return (s.tickets, job)
            }
            guard let (ticket, job) = next else { return }
            let judgement = await run(job)
            let session = state.withLock { s -> Session? in
                s.inFlight.removeValue(forKey: ticket) == nil ? nil : s.session
            }
            session?.judged(judgement)
        }
    }

    private func run(_ job: Job) async -> Judgement {
        switch job {
        case .pair(let stub, let a, let b, let prompt):
            return await judge(stub, a: a, b: b, prompt: prompt)
        case .served(var stub, let answer, let item, let overrides):
            guard !Task.isCancelled, let fresh = await engine.send(item, to: stub.second, overrides: overrides) else {
                stub.failure = Task.isCancelled ? .ended : .answer
                return stub
            }
            // What the fresh answer cost is judging's cost, never the arm's.
            let o = fresh.record.outcome
            stub.inputTokens += o.usage.input
            stub.outputTokens += o.usage.output
            stub.costUSD = o.costUSD
            stub.seconds += Double(o.timing.e2eNanoseconds) / 1e9
            guard o.error == nil, !fresh.record.output.isEmpty else {
                stub.failure = .answer
                return stub
            }
            return await judge(stub, a: answer, b: fresh.record.output, prompt: item.text, priced: o.costUSD != nil)
        }
    }

    /// Asks the judge in both orders: `first`'s answer (`a`) as A, then as B. Stops at the first failure. Called
    /// directly (not queued) by `abtop diff --judge`, which judges two sessions' answers to the same prompt.
    /// `priced`: whether what `stub` already cost (a fresh answer) had a price.
    public func judge(_ stub: Judgement, a: String, b: String, prompt: String, priced: Bool = true) async
        -> Judgement
    {
        var j = stub
        var priced = priced
        // Fresh from the system's generator: a seed is printed and journaled, a nonce must not be guessable.
        var system = SystemRandomNumberGenerator()
        for swapped in [false, true] {
            guard !Task.isCancelled else {
                j.failure = .ended
                break
            }
            let n = JudgePrompt.nonce(system.next())
            let item = PromptItem(
                id: "judge:" + stub.promptID,
                prompt: JudgePrompt.user(
                    prompt: prompt, a: swapped ? b : a, b: swapped ? a : b, nonce: n,
                    limit: settings.maxAnswerCharacters),
                system: JudgePrompt.system(rubric: settings.rubricText, nonce: n))
            let overrides = RequestOverrides(
                maxTokens: settings.maxTokens, temperature: settings.temperature, stream: false)
            guard let served = await engine.send(item, to: judge, overrides: overrides) else {
                j.failure = .request
                break
            }
            let o = served.record.outcome
            j.inputTokens += o.usage.input
            j.outputTokens += o.usage.output
            if let cost = o.costUSD { j.costUSD = (j.costUSD ?? 0) + cost } else { priced = false }
            j.seconds += Double(o.timing.e2eNanoseconds) / 1e9
            guard o.error == nil else {
                j.failure = o.error == .cancelled ? .ended : .request
                j.note = served.record.errorMessage.map(Self.line)
                break
            }
            guard let reading = JudgePrompt.reading(served.record.output) else {
                j.failure = .format
                j.note = Self.line(served.record.output)
                break
            }
            if swapped { j.swapped = reading } else { j.inOrder = reading }
        }
        if !priced { j.costUSD = nil }
        return j
    }

    /// A reply or an error as one short line: its lines joined, its first 200 bytes.
    static func line(_ text: String) -> String {
        Excerpt.of(text.split(whereSeparator: \.isNewline).joined(separator: " "), limit: 200)
    }

    /// Every pair of `n` entities, lower index first.
    static func pairs(_ n: Int) -> [(Int, Int)] {
        (0..<n).flatMap { a in (a + 1..<max(a + 1, n)).map { (a, $0) } }
    }
}
