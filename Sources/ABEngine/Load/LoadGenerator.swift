import ABCore
import Foundation
import Synchronization

/// How requests are offered: a fixed number in flight (closed loop) or arrivals at a rate (open loop).
public enum LoadShape: Sendable, Equatable {
    /// `concurrency` prompts in flight; a new one starts when one ends.
    case closed(concurrency: Int)
    /// Poisson arrivals at `rate` prompts per second, whatever the providers' speed; latency is counted from the
    /// intended send time, so a slow provider cannot hide queueing.
    case open(rate: Double)
    /// The i-th prompt sent `offsets[i]` seconds after the start, in the prompts' order (a journaled session
    /// replayed at its original pace); latency counted from the intended time, as in an open loop.
    case schedule(offsets: [Double])
}

/// When to stop: after `requests` prompts, after `duration` seconds, whichever first (nil: no limit).
public struct LoadLimits: Sendable, Equatable {
    public var requests: Int?
    public var duration: Double?

    public init(requests: Int? = nil, duration: Double? = nil) {
        self.requests = requests
        self.duration = duration
    }
}

/// Live controls over a running load (the dashboard's pause and rate keys).
public final class LoadControl: Sendable {
    private struct State {
        var paused = false
        var stopped = false
        var rate: Double?
    }

    private let state = Mutex(State())

    public init() {}

    public var paused: Bool {
        get { state.withLock { $0.paused } }
        set { state.withLock { $0.paused = newValue } }
    }

    /// Overrides an open loop's rate.
    public var rate: Double? {
        get { state.withLock { $0.rate } }
        set { state.withLock { $0.rate = newValue } }
    }

    public var stopped: Bool { state.withLock { $0.stopped } }

    /// Stops issuing new prompts; those in flight finish.
    public func stop() { state.withLock { $0.stopped = true } }
}

/// Feeds prompts to the engine in the chosen shape until a limit or `stop()`, in a seeded random order: every
/// prompt once per pass, each pass drawn afresh (`PromptOrder`).
public enum LoadGenerator {
    /// `inOrder`: the prompts as listed, pass after pass, instead of a fresh random order each pass (a replay
    /// keeps the order the session it replays drew).
    public static func run(
        engine: Engine, prompts: [PromptItem], shape: LoadShape, limits: LoadLimits,
        control: LoadControl = LoadControl(), seed: UInt64 = 0, inOrder: Bool = false
    ) async {
        precondition(!prompts.isEmpty)
        let order = Passes(PromptOrder(count: prompts.count, seed: seed ^ 0x0DE2_50A7), inOrder: inOrder)
        @Sendable func waitWhilePaused() async {
            while control.paused && !control.stopped && !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }

        // Every request task runs on one of the transport's threads, if it has any (see `Transport.executors`).
        let executors = engine.transport.executors
        @Sendable func executor(_ n: Int) -> (any TaskExecutor)? {
            executors.isEmpty ? nil : executors[n % executors.count]
        }
        await withTaskExecutorPreference(executor(0)) {
            switch shape {
            case .closed(let concurrency):
                let issuer = Issuer(limits: limits, control: control, session: engine.session)
                await withTaskGroup(of: Void.self) { group in
                    for worker in 0..<max(1, concurrency) {
                        group.addTask(executorPreference: executor(worker)) {
                            while !Task.isCancelled {
                                await waitWhilePaused()
                                guard let n = issuer.next() else { return }
                                await engine.send(prompts[order.index(n)])
                            }
                        }
                    }
                }
            case .schedule(let offsets):
                await withDiscardingTaskGroup { group in
                    let start = Monotonic.now()
                    let issuer = Issuer(
                        limits: limits, control: control, session: engine.session,
                        start: engine.session.seconds(at: start))
                    for (n, offset) in offsets.enumerated() where !Task.isCancelled {
                        await waitWhilePaused()
                        let intended = start &+ UInt64(max(0, offset) * 1e9)
                        let now = Monotonic.now()
                        if intended > now { try? await Task.sleep(for: .nanoseconds(Int64(intended - now))) }
                        guard issuer.next(at: engine.session.seconds(at: intended)) != nil else { break }
                        group.addTask(executorPreference: executor(n)) {
                            await engine.send(prompts[n % prompts.count], intendedStart: intended)
                        }
                    }
                }
            case .open(let initialRate):
                var rng = SplitMix64(seed: seed ^ 0xA5A5_5A5A)
                // A discarding group: a plain task group keeps every finished child until it is awaited, which over a
                // long open-loop run is a leak of one task per request.
                await withDiscardingTaskGroup { group in
                    var intended = Monotonic.now()
                    // The duration counts from the same instant as the arrivals' schedule: a start that took a while
                    // on a busy machine does not eat into it.
                    let issuer = Issuer(
                        limits: limits, control: control, session: engine.session,
                        start: engine.session.seconds(at: intended))
                    while !Task.isCancelled {
                        if control.paused {
                            await waitWhilePaused()
                            intended = Monotonic.now()  // no burst to catch up after a pause
                        }
                        let rate = max(0.001, control.rate ?? initialRate)
                        let gap = -log(1 - rng.unit()) / rate
                        intended &+= UInt64(gap * 1e9)
                        let now = Monotonic.now()
                        if intended > now {
                            try? await Task.sleep(for: .nanoseconds(Int64(intended - now)))
                        }
                        // The deadline is judged at the arrival's intended time: a busy machine that wakes late
                        // sends the arrivals due before it, as a faster one would, instead of fewer.
                        guard let n = issuer.next(at: engine.session.seconds(at: intended)) else { break }
                        let start = intended
                        group.addTask(executorPreference: executor(n)) {
                            await engine.send(prompts[order.index(n)], intendedStart: start)
                        }
                    }
                }
            }
        }
    }
}

/// The prompt order with the current pass's permutation kept (drawn once per pass, shared by the workers).
private final class Passes: Sendable {
    private let order: PromptOrder
    private let inOrder: Bool
    private let current = Mutex<(pass: Int, permutation: [Int])>((-1, []))

    init(_ order: PromptOrder, inOrder: Bool = false) {
        self.order = order
        self.inOrder = inOrder
    }

    func index(_ n: Int) -> Int {
        if inOrder { return n % order.count }
        let pass = n / order.count
        return current.withLock { c in
            if c.pass != pass { c = (pass, order.permutation(pass: pass)) }
            return c.permutation[n % order.count]
        }
    }
}

/// Hands out prompt numbers until a limit is reached.
private final class Issuer: Sendable {
    private let issued = Atomic<Int>(0)
    private let limits: LoadLimits
    private let control: LoadControl
    private let session: Session
    private let deadline: Double?

    /// `start` (session seconds, by default now) is when the duration begins.
    init(limits: LoadLimits, control: LoadControl, session: Session, start: Double? = nil) {
        self.limits = limits
        self.control = control
        self.session = session
        let start = start ?? session.now()
        self.deadline = limits.duration.map { start + $0 }
    }

    /// The next prompt's number, or nil past a limit; `time` (session seconds) is when the prompt is due, by
    /// default now.
    func next(at time: Double? = nil) -> Int? {
        if control.stopped { return nil }
        if let deadline, (time ?? session.now()) >= deadline { return nil }
        let n = issued.add(1, ordering: .relaxed).oldValue
        if let max = limits.requests, n >= max { return nil }
        return n
    }
}
