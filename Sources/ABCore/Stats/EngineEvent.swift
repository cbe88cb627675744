/// Something worth a line in the dashboard's event log: errors, breaker changes, split changes.
public struct EngineEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case error(ErrorKind)
        case retry
        case fallback
        case breakerOpened
        case breakerClosed
        case split
        /// The session switched between split and compare.
        case mode
        /// A prompt was not sent to an entity (compare mode, its breaker open): counted, never silent.
        case notSent
    }

    /// Seconds since the session started.
    public let time: Double
    public let entity: Int?
    public let kind: Kind
    public let message: String

    public init(time: Double, entity: Int?, kind: Kind, message: String) {
        self.time = time
        self.entity = entity
        self.kind = kind
        self.message = message
    }
}
