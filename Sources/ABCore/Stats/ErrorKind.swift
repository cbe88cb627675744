/// Why a request failed, in the words of DESIGN §5. Raw values are the names used in JSON, the journal and on screen.
public enum ErrorKind: String, Sendable, CaseIterable, Codable, Comparable {
    case rateLimited = "rate_limited"
    case overloaded
    case http4xx = "http_4xx"
    case http5xx = "http_5xx"
    case timeout
    case connect
    case tls
    /// Cut off or disconnected mid-stream, or ended without its terminal event.
    case streamBroken = "stream_broken"
    /// A body or SSE event that is not valid JSON / SSE.
    case malformed
    case cancelled
    /// A line, event, answer or body past `abtop.limits`: cut there and the transfer stopped.
    case tooLarge = "too_large"

    /// The kind for an HTTP error status.
    public init(status: Int) {
        switch status {
        case 429: self = .rateLimited
        case 529: self = .overloaded
        case 500...: self = .http5xx
        default: self = .http4xx
        }
    }

    /// Worth another try on the same entity after a backoff.
    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .overloaded, .http5xx, .timeout, .connect, .streamBroken: true
        case .http4xx, .tls, .malformed, .cancelled, .tooLarge: false
        }
    }

    /// Hands the request to the next entity when fallback is on: 429, 5xx, timeout or a connection error.
    public var triggersFallback: Bool {
        switch self {
        case .rateLimited, .overloaded, .http5xx, .timeout, .connect, .tls: true
        case .http4xx, .streamBroken, .malformed, .cancelled, .tooLarge: false
        }
    }

    /// Counts towards opening the entity's breaker (the provider's fault, not the request's or the user's).
    public var countsAgainstProvider: Bool {
        switch self {
        case .http4xx, .cancelled: false
        default: true
        }
    }

    public static func < (a: ErrorKind, b: ErrorKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
