import Foundation
import Synchronization

/// Connections to one Redis, shared by every thread of a replica: a caller takes an idle connection (or dials
/// one), uses it alone, and gives it back. When Redis does not answer, the pool says so at once for the next
/// second rather than make every request wait out a timeout: callers fall back to their local state (the last
/// split applied, local rate limits) and the replica says it is cut off.
public final class RedisPool: Sendable {
    public let address: RedisAddress
    let timeout: Double
    private let state = Mutex(State())

    private struct State {
        var idle: [UnsafeConnection] = []
        /// No dialling before this (seconds since the reference date): Redis failed just now.
        var downUntil = 0.0
        var lastError: String?
        var failures = 0
    }

    /// hiredis contexts are used by one thread at a time (the pool hands each to one caller), so they may cross.
    private struct UnsafeConnection: @unchecked Sendable {
        let connection: RedisConnection
    }

    /// At most this many idle connections are kept (more callers at once dial and then close theirs).
    static let maxIdle = 16
    static let backoff = 1.0

    public init(_ address: RedisAddress, timeout: Double = 1.0) {
        self.address = address
        self.timeout = timeout
    }

    /// Whether Redis answered the last time it was asked (false for a second after a failure).
    public var isUp: Bool { state.withLock { $0.downUntil <= Date().timeIntervalSinceReferenceDate } }

    /// Why Redis failed last, if it did.
    public var lastError: String? { state.withLock { $0.lastError } }

    /// Runs `body` on a connection; nil when Redis is unreachable or failed during the call (the failure is kept
    /// for `lastError`). A Redis error reply is not a failure: `body` sees it.
    public func with<T>(_ body: (RedisConnection) throws -> T) -> T? {
        let now = Date().timeIntervalSinceReferenceDate
        let taken = state.withLock { s -> UnsafeConnection?? in
            if let c = s.idle.popLast() { return .some(c) }
            return s.downUntil > now ? nil : .some(nil)
        }
        guard let taken else { return nil }
        let connection: RedisConnection
        do {
            connection = try taken?.connection ?? RedisConnection(address, timeout: timeout)
        } catch {
            failed(error)
            return nil
        }
        do {
            let result = try body(connection)
            state.withLock { s in
                s.failures = 0
                if !connection.broken, s.idle.count < Self.maxIdle {
                    s.idle.append(UnsafeConnection(connection: connection))
                }
            }
            return result
        } catch {
            failed(error)
            return nil
        }
    }

    private func failed(_ error: any Error) {
        state.withLock { s in
            s.lastError = "\(error)"
            s.failures += 1
            s.downUntil = Date().timeIntervalSinceReferenceDate + Self.backoff
            // The others may be half-broken too (Redis restarted): dial afresh next time.
            s.idle.removeAll()
        }
    }
}
