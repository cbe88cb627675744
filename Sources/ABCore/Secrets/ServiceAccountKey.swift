import Foundation

/// A Google Cloud service account's JSON key file, as the console downloads it and as
/// `google_cloud_vertex_ai_config.private_key` holds it: the account (`client_email`) and its RSA key sign the
/// requests for OAuth access tokens. A bare PEM names no account, so it cannot be used.
public struct ServiceAccountKey: Sendable, Equatable {
    public var clientEmail: String
    /// The PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Never shown.
    public var privateKeyPEM: SecretValue
    public var privateKeyID: String?
    /// Where tokens are asked for (`token_uri`; Google's own by default).
    public var tokenURI: String

    public static let defaultTokenURI = "https://oauth2.googleapis.com/token"
    public static let fix =
        "store the service account's whole JSON key file (IAM → Service accounts → Keys → Add key → JSON), "
        + "with its client_email and private_key"

    public init(clientEmail: String, privateKeyPEM: SecretValue, privateKeyID: String?, tokenURI: String) {
        self.clientEmail = clientEmail
        self.privateKeyPEM = privateKeyPEM
        self.privateKeyID = privateKeyID
        self.tokenURI = tokenURI
    }

    /// Reads a key file; the error says what is wrong without quoting any of it.
    public static func parse(_ text: String) -> Result<ServiceAccountKey, KeyProblem> {
        let trimmed = text.trimmingWhitespace()
        if trimmed.hasPrefix("-----BEGIN") {
            return .failure(
                KeyProblem(
                    "holds a bare PEM private key; the JSON key file is needed (its client_email names the account)"))
        }
        guard let object = (try? JSONParser.parse(utf8: Array(trimmed.utf8)))?.objectValue else {
            return .failure(KeyProblem("is not a service account's JSON key file (not a JSON object); not shown"))
        }
        if let type = object["type"]?.stringValue, type != "service_account" {
            return .failure(KeyProblem("is a key file of type \"\(type.prefix(40))\", not \"service_account\""))
        }
        guard let email = object["client_email"]?.stringValue, email.contains("@"),
            HTTPFieldSyntax.isFieldValue(email)
        else {
            return .failure(KeyProblem("the key file has no client_email"))
        }
        guard let pem = object["private_key"]?.stringValue, pem.contains("-----BEGIN"), pem.contains("PRIVATE KEY")
        else {
            return .failure(KeyProblem("the key file has no PEM private_key"))
        }
        let tokenURI = object["token_uri"]?.stringValue ?? defaultTokenURI
        // The signed assertion is a credential: it goes over TLS, or to this machine (a local or simulated issuer).
        guard Self.isSafeTokenURI(tokenURI) else {
            return .failure(KeyProblem("the key file's token_uri is not an https URL (or a loopback http one)"))
        }
        return .success(
            ServiceAccountKey(
                clientEmail: email, privateKeyPEM: SecretValue(pem),
                privateKeyID: object["private_key_id"]?.stringValue, tokenURI: tokenURI))
    }

    /// An https URL, or a plain http one whose host is this machine's loopback, with no user info either way: the
    /// host is read as a URL parser reads it, so `http://127.0.0.1.evil.com/` and `http://localhost@evil.com/`
    /// (plain http to another host) are refused.
    static func isSafeTokenURI(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            let host = url.host, !host.isEmpty, url.user == nil, url.password == nil
        else { return false }
        if scheme == "https" { return true }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        return scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(bare.lowercased())
    }

    /// What is wrong with `text` as a key file, or nil.
    public static func problem(in text: String) -> String? {
        if case .failure(let p) = parse(text) { return p.message }
        return nil
    }

    public struct KeyProblem: Error, Sendable, Equatable {
        public let message: String
        init(_ message: String) { self.message = message }
    }
}
