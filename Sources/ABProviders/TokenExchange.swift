import ABCore
import Foundation

/// A credential exchanged for a short-lived bearer token before requests are sent (an OAuth service account).
/// The engine fetches, caches and renews tokens through this, knowing no provider.
public protocol TokenExchange: Sendable {
    /// Where tokens come from, for messages.
    var issuer: String { get }
    /// The token request, signed at `now`.
    func request(now: Date) throws -> HTTPRequestSpec
    /// The token and its lifetime in seconds, from the issuer's answer.
    func token(from body: [UInt8]) -> (token: SecretValue, expiresIn: Double)?
}

/// A Google service account's JWT-bearer exchange (Vertex AI).
struct ServiceAccountExchange: TokenExchange {
    let key: ServiceAccountKey

    var issuer: String { key.tokenURI }
    func request(now: Date) throws -> HTTPRequestSpec { try GoogleOAuth.tokenRequest(key, now: now) }
    func token(from body: [UInt8]) -> (token: SecretValue, expiresIn: Double)? { GoogleOAuth.parseToken(body) }
}

extension StreamDecoder {
    /// A decoder for a transfer whose body is read whole (a token fetch): it never decodes a stream.
    public static func unusedForWholeBody() -> StreamDecoder { StreamDecoder(dialect: .openAI) }
}
