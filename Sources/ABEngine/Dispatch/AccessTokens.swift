import ABCore
import ABProviders
import Foundation
import Synchronization

/// OAuth access tokens for entities whose wire format signs with one (a service account), one per entity: fetched over the engine's own
/// transport when first needed, shared by every request until a minute before they expire, and fetched once
/// however many requests wait for it.
final class AccessTokens: Sendable {
    private struct Token: Sendable {
        var value: SecretValue
        /// Seconds since 1970.
        var expires: Double
        /// Keeps the token in the redactor while it is in use; a renewed token's lease replaces this one.
        var lease: SecretRedactor.Lease
    }

    private let tokens = Mutex<[Int: Token]>([:])
    private let fetches = Mutex<[Int: Task<Result<Token, ProviderError>, Never>]>([:])
    /// A token is renewed this long before it expires, so no request goes out with one about to lapse.
    static let margin = 60.0

    /// The entity's token, fetching one if it has none that is fresh.
    func token(
        entity: Int, key: any TokenExchange, transport: any Transport, timeouts: TransportTimeouts
    ) async -> Result<SecretValue, ProviderError> {
        let now = Date().timeIntervalSince1970
        if let t = tokens.withLock({ $0[entity] }), t.expires - Self.margin > now { return .success(t.value) }
        let fetch = fetches.withLock { running in
            if let task = running[entity] { return task }
            // The token is kept before the fetch is forgotten, so no request in between starts another fetch.
            let task = Task { [self] in
                let result = await Self.fetch(key, transport: transport, timeouts: timeouts)
                if case .success(let t) = result { self.tokens.withLock { $0[entity] = t } }
                return result
            }
            running[entity] = task
            return task
        }
        let result = await fetch.value
        fetches.withLock { running in
            if running[entity] == fetch { running[entity] = nil }
        }
        if case .failure = result, let old = tokens.withLock({ $0[entity] }), old.expires > Date().timeIntervalSince1970
        {
            // Renewing failed while the old token still holds: use it for its last minute.
            return .success(old.value)
        }
        return result.map(\.value)
    }

    private static func fetch(
        _ key: any TokenExchange, transport: any Transport, timeouts: TransportTimeouts
    ) async -> Result<Token, ProviderError> {
        let now = Date()
        let spec: HTTPRequestSpec
        do {
            spec = try key.request(now: now)
        } catch {
            return .failure(ProviderError(kind: .http4xx, message: "access token: \(error)"))
        }
        let sink = AttemptSink(
            streaming: false, decoder: .unusedForWholeBody(), maxBody: 64 * 1024)
        let t = await transport.perform(spec, timeouts: timeouts, sink: sink, start: nil)
        if var failure = sink.cut ?? t.failure {
            failure.message = "access token from \(key.issuer): " + failure.message
            return .failure(failure)
        }
        let status = t.status ?? 0
        guard status == 200 else {
            var e = WireFormat.error(status: status, body: sink.body, headers: t.headers)
            e.message = "access token from \(key.issuer): " + e.message
            return .failure(e)
        }
        guard let (value, expiresIn) = key.token(from: sink.body) else {
            return .failure(
                ProviderError(
                    kind: .malformed, status: status, message: "access token from \(key.issuer): no access_token"))
        }
        let lease: SecretRedactor.Lease
        do {
            lease = try SecretRedactor.hold([value.exposedForTransport()])
        } catch {
            return .failure(ProviderError(kind: .http4xx, message: "access token: \(error)"))
        }
        return .success(Token(value: value, expires: now.timeIntervalSince1970 + expiresIn, lease: lease))
    }
}
