import ABCore
import Crypto
import Foundation

/// AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html):
/// the canonical request, the string to sign, the derived key and the `Authorization` header. Pure; checked
/// against AWS's published test suite (`SigV4Tests`).
public enum SigV4 {
    public struct Credentials: Sendable, Equatable {
        public var accessKeyID: SecretValue
        public var secretAccessKey: SecretValue
        /// A temporary credential's `x-amz-security-token`.
        public var sessionToken: SecretValue?

        public init(accessKeyID: SecretValue, secretAccessKey: SecretValue, sessionToken: SecretValue? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }
    }

    /// `20150830T123600Z` and `20150830` for `date`, in UTC.
    public static func timestamps(_ date: Date) -> (amzDate: String, day: String) {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let day = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
        return (day + "T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z", day)
    }

    /// RFC 3986 percent-encoding of everything but unreserved characters (and `/` when `keepSlash`).
    public static func uriEncode(_ s: some StringProtocol, keepSlash: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            let c = Character(UnicodeScalar(byte))
            if (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || c == "-" || c == "_" || c == "." || c == "~" || (keepSlash && c == "/")
            {
                out.append(c)
            } else {
                out += "%" + hexByte(byte, uppercase: true)
            }
        }
        return out
    }

    /// The canonical query string: each name and value encoded, sorted by name then value.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(kv[0]).removingPercentEncoding ?? String(kv[0])
            let value = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
            return (uriEncode(name, keepSlash: false), uriEncode(value, keepSlash: false))
        }
        return pairs.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map { "\($0.0)=\($0.1)" }.joined(
            separator: "&")
    }

    /// Header names lower-cased, values trimmed with inner runs of spaces made one, sorted by name; repeated
    /// names joined by commas.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (text: String, signed: String) {
        var merged: [(String, String)] = []
        for (name, value) in headers {
            let n = name.lowercased()
            let v = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            if let i = merged.firstIndex(where: { $0.0 == n }) {
                merged[i].1 += "," + v
            } else {
                merged.append((n, v))
            }
        }
        merged.sort { $0.0 < $1.0 }
        return (merged.map { "\($0.0):\($0.1)\n" }.joined(), merged.map(\.0).joined(separator: ";"))
    }

    /// The canonical request for a path as sent (already percent-encoded once: it is encoded again, as every
    /// service but S3 wants).
    public static func canonicalRequest(
        method: String, path: String, query: String, headers: [(name: String, value: String)], payloadHash: String,
        encodePathAgain: Bool = true
    ) -> (request: String, signedHeaders: String) {
        let (text, signed) = canonicalHeaders(headers)
        let uri = path.isEmpty ? "/" : (encodePathAgain ? uriEncode(path, keepSlash: true) : path)
        return ([method, uri, canonicalQuery(query), text, signed, payloadHash].joined(separator: "\n"), signed)
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { hexByte($0, uppercase: false) }.joined()
    }

    static func hexByte(_ b: UInt8, uppercase: Bool) -> String {
        let digits = Array(uppercase ? "0123456789ABCDEF" : "0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
    }

    public static func sha256Hex(_ bytes: some DataProtocol) -> String { hex(SHA256.hash(data: bytes)) }

    public static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(sha256Hex(Array(canonicalRequest.utf8)))"
    }

    public static func signature(
        secret: SecretValue, day: String, region: String, service: String, stringToSign: String
    )
        -> String
    {
        func hmac(_ key: [UInt8], _ text: String) -> [UInt8] {
            Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: key)))
        }
        let kDate = hmac(Array(("AWS4" + secret.exposedForTransport()).utf8), day)
        let kSigning = hmac(hmac(hmac(kDate, region), service), "aws4_request")
        return hex(hmac(kSigning, stringToSign))
    }

    /// The headers that sign a request: `X-Amz-Date`, the session token if any, and `Authorization`. `headers`
    /// are those sent that are to be signed (`host` and `content-type` at least).
    public static func sign(
        method: String, path: String, query: String, headers: [(name: String, value: String)], payload: [UInt8],
        date: Date, region: String, service: String, credentials: Credentials
    ) -> [(name: String, value: HTTPRequestSpec.HeaderValue)] {
        let (amzDate, day) = timestamps(date)
        var signed = headers + [("x-amz-date", amzDate)]
        if let token = credentials.sessionToken { signed.append(("x-amz-security-token", token.exposedForTransport())) }
        let (request, signedHeaders) = canonicalRequest(
            method: method, path: path, query: query, headers: signed, payloadHash: sha256Hex(payload))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let signature = signature(
            secret: credentials.secretAccessKey, day: day, region: region, service: service,
            stringToSign: stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: request))
        var out: [(name: String, value: HTTPRequestSpec.HeaderValue)] = [("X-Amz-Date", .plain(amzDate))]
        if let token = credentials.sessionToken { out.append(("X-Amz-Security-Token", .secret(prefix: "", token))) }
        // The access key id is not a secret by AWS's own rules, but it names the account: kept out of logs too. The
        // rest changes with every request, so it is not registered with the redactor (which would fill up).
        out.append(
            (
                "Authorization",
                .secretWithin(
                    prefix: "AWS4-HMAC-SHA256 Credential=", credentials.accessKeyID,
                    suffix: "/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)")
            ))
        return out
    }
}
