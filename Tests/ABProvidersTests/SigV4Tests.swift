import ABCore
import ABProviders
import Foundation
import Testing

/// AWS's published Signature V4 test suite (Fixtures/aws4_testsuite, as vendored in botocore from
/// awslabs/aws-c-auth): for every request, the canonical request, the string to sign and the Authorization header
/// must match AWS's files byte for byte.
struct SigV4Tests {
    static let suite = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/aws4_testsuite")
    static let secret = SecretValue("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let scope = "20150830/us-east-1/service/aws4_request"

    /// The cases whose `.req` holds every header that is signed (the session-token cases add theirs in the signer).
    static var cases: [URL] {
        let fm = FileManager.default
        var out: [URL] = []
        for name in (try? fm.contentsOfDirectory(atPath: suite.path)) ?? [] {
            let dir = suite.appendingPathComponent(name)
            for sub in [dir] + ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).map(dir.appendingPathComponent) {
                let req = sub.appendingPathComponent(sub.lastPathComponent + ".req")
                if fm.fileExists(atPath: req.path),
                    !["get-vanilla-with-session-token", "post-sts-header-after"].contains(sub.lastPathComponent)
                {
                    out.append(sub)
                }
            }
        }
        return out.sorted { $0.path < $1.path }
    }

    static func file(_ dir: URL, _ ext: String) throws -> String {
        try String(contentsOf: dir.appendingPathComponent(dir.lastPathComponent + "." + ext), encoding: .utf8)
    }

    /// A `.req` file: request line, headers (continuation lines folded into the value), a blank line, the body.
    static func request(_ text: String) -> (
        method: String, path: String, query: String, headers: [(name: String, value: String)], body: [UInt8]
    ) {
        let parts = text.components(separatedBy: "\n\n")
        var lines = parts[0].components(separatedBy: "\n")
        let target = lines.removeFirst().components(separatedBy: " ")
        let method = target[0]
        let uri = target.dropFirst().dropLast().joined(separator: " ")
        let q = uri.firstIndex(of: "?")
        var headers: [(name: String, value: String)] = []
        for line in lines {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                headers.append(
                    (
                        String(line[..<colon]),
                        String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                    ))
            }
        }
        return (
            method, q.map { String(uri[..<$0]) } ?? uri, q.map { String(uri[uri.index(after: $0)...]) } ?? "", headers,
            Array(parts.dropFirst().joined(separator: "\n\n").utf8)
        )
    }

    @Test func theSuiteIsThere() {
        #expect(Self.cases.count >= 20)
    }

    @Test(arguments: cases)
    func canonicalRequestStringToSignAndAuthorizationMatchAWS(_ dir: URL) throws {
        let r = Self.request(try Self.file(dir, "req"))
        let (creq, signed) = SigV4.canonicalRequest(
            method: r.method, path: r.path, query: r.query, headers: r.headers, payloadHash: SigV4.sha256Hex(r.body))
        #expect(creq == (try Self.file(dir, "creq")), "\(dir.lastPathComponent)")
        let sts = SigV4.stringToSign(amzDate: "20150830T123600Z", scope: Self.scope, canonicalRequest: creq)
        #expect(sts == (try Self.file(dir, "sts")), "\(dir.lastPathComponent)")
        let signature = SigV4.signature(
            secret: Self.secret, day: "20150830", region: "us-east-1", service: "service", stringToSign: sts)
        let authz =
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\(Self.scope), SignedHeaders=\(signed), Signature=\(signature)"
        #expect(authz == (try Self.file(dir, "authz")), "\(dir.lastPathComponent)")
    }

    /// `sign` itself (the date, the session token, the header it writes), on the suite's session-token case.
    @Test func signAddsTheDateAndTheSessionTokenAndMatchesAWS() throws {
        let dir = Self.suite.appendingPathComponent("get-vanilla-with-session-token")
        let token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
        let headers = SigV4.sign(
            method: "GET", path: "/", query: "", headers: [("Host", "example.amazonaws.com")], payload: [],
            date: Self.date, region: "us-east-1", service: "service",
            credentials: .init(
                accessKeyID: SecretValue("AKIDEXAMPLE"), secretAccessKey: Self.secret, sessionToken: SecretValue(token))
        )
        let values = Dictionary(uniqueKeysWithValues: headers.map { ($0.name, $0.value.exposedForTransport()) })
        #expect(values["X-Amz-Date"] == "20150830T123600Z")
        #expect(values["X-Amz-Security-Token"] == token)
        #expect(values["Authorization"] == (try Self.file(dir, "authz")))
        // What is logged never shows the key id, the token or the signature.
        #expect(!headers.map { "\($0.value)" }.joined().contains("AKIDEXAMPLE"))
        #expect(!headers.map { "\($0.value)" }.joined().contains(token))
    }

    /// Bedrock's model ids carry a ':' that the URL holds as %3A and the canonical request as %253A (encoded again,
    /// as every service but S3 wants); botocore 1.44.8 signs this request the same way.
    @Test func aBedrockPathIsEncodedTwiceInTheCanonicalRequest() {
        let (creq, _) = SigV4.canonicalRequest(
            method: "POST", path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", query: "",
            headers: [("host", "bedrock-runtime.us-east-1.amazonaws.com")], payloadHash: SigV4.sha256Hex([UInt8]()))
        #expect(creq.split(separator: "\n")[1] == "/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse")
    }
}
