import ABCore

/// A failed call, as the provider (or the connection) told it.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public var kind: ErrorKind
    public var status: Int?
    public var message: String
    /// Seconds the provider asked us to wait (`retry-after-ms`, else `Retry-After`).
    public var retryAfter: Double?

    public init(kind: ErrorKind, status: Int? = nil, message: String, retryAfter: Double? = nil) {
        self.kind = kind
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String {
        let code = status.map { " \($0)" } ?? ""
        return "\(kind.rawValue)\(code): \(message)"
    }
}
