/// The attempts one prompt makes in split mode, as a pure state machine (DESIGN §5): attempts on the picked
/// entity with retries (exponential backoff with jitter, never shorter than the provider's Retry-After), then,
/// if enabled and the failure calls for it, one attempt on each fallback in `served_entities` order until one
/// answers. No clock, no IO: the engine carries out each action and feeds back what came of it, so every path
/// is testable without a network.
public struct AttemptSequence: Sendable, Equatable {
    public struct Policy: Sendable, Equatable {
        /// Retries on the picked entity (fallbacks get none).
        public var maxRetries: Int
        public var backoffMilliseconds: Int
        /// Whether failed requests go to the other entities (`ai_gateway.fallback_config`).
        public var fallback: Bool

        public init(maxRetries: Int, backoffMilliseconds: Int, fallback: Bool) {
            self.maxRetries = maxRetries
            self.backoffMilliseconds = backoffMilliseconds
            self.fallback = fallback
        }
    }

    /// What the engine must do next.
    public enum Action: Sendable, Equatable {
        /// Send one attempt to `entity`.
        case send(entity: Int, isFallback: Bool)
        /// Wait this long, then send to the same entity again.
        case backoff(entity: Int, seconds: Double, retry: Int)
        /// The entity's attempts are over: record one outcome for them (with this many retries).
        case record(entity: Int, isFallback: Bool, retries: Int)
        /// Ask which entities may take the fallback now (breakers allowing), in order; answer with `.candidates`.
        case listFallbacks(after: Int)
        /// Ask `entity`'s breaker to admit a fallback attempt; answer `.admitted` or `.refused`.
        case admit(entity: Int)
        case done
    }

    /// What came of the last action.
    public enum Event: Sendable, Equatable {
        /// An attempt ended: its failure (nil for an answer), the provider's wait hint, whether any content went
        /// to a relay (then the request is committed to this entity), and whether the entity's breaker is closed.
        case attempted(failure: ErrorKind?, retryAfter: Double?, relayed: Bool, breakerClosed: Bool)
        case waited
        case recorded
        case candidates([Int])
        case admitted
        case refused
    }

    public let arm: Int
    public let policy: Policy
    public private(set) var entity: Int
    public private(set) var isFallback = false
    public private(set) var retries = 0
    /// The failure that decided the entity's outcome, and whether content was relayed.
    private var lastFailure: ErrorKind?
    private var relayed = false
    private var fallbacks: [Int] = []
    private var finished = false

    public init(arm: Int, policy: Policy) {
        self.arm = arm
        self.policy = policy
        self.entity = arm
    }

    /// The first action: send to the picked entity.
    public func start() -> Action { .send(entity: arm, isFallback: false) }

    /// The next action after `event`. `jitter` (0…1, drawn by the caller) spreads concurrent retries apart;
    /// `cancelled` says the caller's task was cancelled (no retry, no fallback).
    public mutating func next(after event: Event, jitter: Double = 1, cancelled: Bool = false) -> Action {
        guard !finished else { return .done }
        switch event {
        case .attempted(let failure, let retryAfter, let relayed, let breakerClosed):
            lastFailure = failure
            self.relayed = relayed
            let maxRetries = isFallback ? 0 : policy.maxRetries
            if let failure, failure.isRetryable, retries < maxRetries, !relayed, !cancelled, breakerClosed {
                return .backoff(
                    entity: entity, seconds: backoff(retry: retries, retryAfter: retryAfter, jitter: jitter),
                    retry: retries + 1)
            }
            return .record(entity: entity, isFallback: isFallback, retries: retries)
        case .waited:
            // Cancelled while waiting: the attempt before the wait is the outcome (its 429 or 5xx, not a cancel).
            if cancelled { return .record(entity: entity, isFallback: isFallback, retries: retries) }
            retries += 1
            return .send(entity: entity, isFallback: isFallback)
        case .recorded:
            guard let failure = lastFailure, !relayed, !cancelled, policy.fallback else { return finish() }
            if !isFallback {
                guard failure.triggersFallback else { return finish() }
                return .listFallbacks(after: arm)
            }
            return nextFallback()
        case .candidates(let order):
            fallbacks = order.filter { $0 != arm }
            return nextFallback()
        case .admitted:
            entity = fallbacks.removeFirst()
            isFallback = true
            retries = 0
            return .send(entity: entity, isFallback: true)
        case .refused:
            fallbacks.removeFirst()
            return nextFallback()
        }
    }

    /// Exponential backoff with jitter (50–100 % of base·2ⁿ), never shorter than the provider's Retry-After,
    /// at most a minute.
    public func backoff(retry: Int, retryAfter: Double?, jitter: Double) -> Double {
        let base = Double(policy.backoffMilliseconds) / 1000 * Double(1 << min(retry, 10))
        return min(60, max(retryAfter ?? 0, base * (0.5 + 0.5 * min(1, max(0, jitter)))))
    }

    private mutating func nextFallback() -> Action {
        guard let candidate = fallbacks.first else { return finish() }
        return .admit(entity: candidate)
    }

    private mutating func finish() -> Action {
        finished = true
        return .done
    }
}
