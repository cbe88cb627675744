/// A circuit breaker for one served entity, as a pure state machine: time is passed in, decisions come out.
///
/// After `failures` consecutive failures the entity cools down for `cooldown` seconds (the router gives its
/// share to the others); then one probe request decides: success closes the breaker, failure opens it again.
public struct Breaker: Sendable, Equatable {
    public struct Policy: Sendable, Equatable {
        /// Consecutive failures that open the breaker; 0 turns it off.
        public var failures: Int
        /// Seconds to cool down before a probe.
        public var cooldown: Double

        public init(failures: Int = 5, cooldown: Double = 30) {
            self.failures = failures
            self.cooldown = cooldown
        }
    }

    public enum State: Sendable, Equatable {
        case closed(consecutiveFailures: Int)
        case open(until: Double)
        case halfOpen(probeInFlight: Bool)
    }

    /// What the caller may do with a request for this entity now.
    public enum Admission: Sendable, Equatable {
        case allow
        /// Send it as the one probe after a cooldown; report its result with `isProbe: true`.
        case probe
        case reject(until: Double?)
    }

    /// A change worth showing in the event log.
    public enum Transition: Sendable, Equatable {
        case opened(until: Double)
        case reopened(until: Double)
        case closed
    }

    public let policy: Policy
    public private(set) var state: State = .closed(consecutiveFailures: 0)

    public init(policy: Policy) {
        self.policy = policy
    }

    /// Whether the router may pick this entity now (read-only, for the availability mask).
    public func isAvailable(at now: Double) -> Bool {
        switch state {
        case .closed: true
        case .open(let until): now >= until
        case .halfOpen(let probeInFlight): !probeInFlight
        }
    }

    /// Asks to send one request; after the cooldown the first request becomes the probe.
    public mutating func admit(at now: Double) -> Admission {
        switch state {
        case .closed:
            return .allow
        case .open(let until):
            guard now >= until else { return .reject(until: until) }
            state = .halfOpen(probeInFlight: true)
            return .probe
        case .halfOpen(let probeInFlight):
            guard !probeInFlight else { return .reject(until: nil) }
            state = .halfOpen(probeInFlight: true)
            return .probe
        }
    }

    /// Another replica of the fleet opened its breaker for this entity: cool down with it until `until` (a closed
    /// breaker opens, an open one cooling down less long waits longer; one probing is left to its probe). True
    /// when this changed the state.
    @discardableResult
    public mutating func coolDown(until: Double, at now: Double) -> Bool {
        guard policy.failures > 0, until > now else { return false }
        switch state {
        case .closed:
            state = .open(until: until)
            return true
        case .open(let current) where current < until:
            state = .open(until: until)
            return true
        default:
            return false
        }
    }

    /// Reports a finished request. Results of requests sent before the breaker opened are ignored while it is
    /// open, so a burst of late failures cannot extend the cooldown.
    @discardableResult
    public mutating func record(success: Bool, isProbe: Bool = false, at now: Double) -> Transition? {
        guard policy.failures > 0 else { return nil }
        switch state {
        case .closed(let count):
            if success {
                state = .closed(consecutiveFailures: 0)
                return nil
            }
            if count + 1 >= policy.failures {
                state = .open(until: now + policy.cooldown)
                return .opened(until: now + policy.cooldown)
            }
            state = .closed(consecutiveFailures: count + 1)
            return nil
        case .open:
            return nil
        case .halfOpen:
            guard isProbe else { return nil }
            if success {
                state = .closed(consecutiveFailures: 0)
                return .closed
            }
            state = .open(until: now + policy.cooldown)
            return .reopened(until: now + policy.cooldown)
        }
    }
}
