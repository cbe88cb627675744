import ABCore
import CryptoExtras
import Foundation

/// Google's OAuth 2.0 for service accounts (developers.google.com/identity/protocols/oauth2/service-account): a
/// JWT signed with the account's RSA key (RS256) is exchanged at `token_uri` for an access token that Vertex AI
/// takes as a bearer token. The signing and parsing live here; fetching and caching are the engine's.
public enum GoogleOAuth {
    public static let scope = "https://www.googleapis.com/auth/cloud-platform"
    /// A token is asked for this long (Google's maximum is an hour).
    public static let lifetime = 3600

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case badKey(String)
        public var description: String {
            switch self {
            case .badKey(let m): m
            }
        }
    }

    /// The signed JWT assertion for `key` at `now`.
    public static func assertion(_ key: ServiceAccountKey, now: Date) throws(Failure) -> String {
        let privateKey: _RSA.Signing.PrivateKey
        do {
            privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: key.privateKeyPEM.exposedForTransport())
        } catch {
            throw .badKey("the service account's private_key is not an RSA key in PEM form")
        }
        let iat = Int(now.timeIntervalSince1970)
        var header = JSONObject(["alg": "RS256", "typ": "JWT"])
        if let kid = key.privateKeyID { header["kid"] = .string(kid) }
        let claims = JSONObject([
            "iss": .string(key.clientEmail), "scope": .string(scope), "aud": .string(key.tokenURI),
            "iat": .number(JSONNumber(iat)), "exp": .number(JSONNumber(iat + lifetime)),
        ])
        let signingInput =
            base64URL(Array(JSONValue.object(header).rendered().utf8)) + "."
            + base64URL(Array(JSONValue.object(claims).rendered().utf8))
        guard let signature = try? privateKey.signature(for: Array(signingInput.utf8), padding: .insecurePKCS1v1_5)
        else { throw .badKey("the service account's private_key could not sign") }
        return signingInput + "." + base64URL(Array(signature.rawRepresentation))
    }

    /// The token request: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=…`, form-encoded.
    public static func tokenRequest(_ key: ServiceAccountKey, now: Date) throws(Failure) -> HTTPRequestSpec {
        let body =
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
            + (try assertion(key, now: now))
        return HTTPRequestSpec(
            url: key.tokenURI,
            headers: [
                ("Content-Type", .plain("application/x-www-form-urlencoded")), ("Accept", .plain("application/json")),
            ],
            body: Array(body.utf8))
    }

    /// `{"access_token", "expires_in", "token_type"}` → the token and its lifetime in seconds.
    public static func parseToken(_ body: [UInt8]) -> (token: SecretValue, expiresIn: Double)? {
        guard let object = (try? JSONParser.parse(utf8: body))?.objectValue,
            let token = object["access_token"]?.stringValue, !token.isEmpty, HTTPFieldSyntax.isFieldValue(token)
        else { return nil }
        let expires: Double =
            if case .number(let n)? = object["expires_in"] { n.value } else { Double(GoogleOAuth.lifetime) }
        return (SecretValue(token), max(0, min(expires, 86_400)))
    }

    /// A fresh service account key file (RSA 2048) whose tokens come from `tokenURI`: the simulated Vertex AI
    /// signs with it exactly as with a real one.
    public static func makeKeyFile(clientEmail: String, tokenURI: String) -> String {
        // Generating a key cannot fail for a supported size; a failure here is a broken crypto library.
        let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let file = JSONObject([
            "type": "service_account", "project_id": "abtop-simulated", "private_key_id": "simulated",
            "private_key": .string(key.pkcs8PEMRepresentation), "client_email": .string(clientEmail),
            "token_uri": .string(tokenURI),
        ])
        return JSONValue.object(file).rendered()
    }

    public static func base64URL(_ bytes: [UInt8]) -> String {
        var s = Data(bytes).base64EncodedString()
        s = s.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while s.hasSuffix("=") { s.removeLast() }
        return s
    }
}
