import Synchronization

/// The one redactor every text from a provider passes through before it is stored, shown, logged or relayed.
///
/// It knows every secret value the process holds (each `SecretValue` registers itself when made: resolved keys,
/// plaintext keys, the secrets file, serve's token) and the common shapes of API keys (`sk-…`, `AKIA…`, `AIza…`,
/// `dapi…`, `Bearer …`, and the value after an echoed `x-api-key` / `api-key` / `authorization` header), and
/// writes `‹redacted›` in their place. A provider that echoes the request's headers in an error therefore cannot
/// put a key into the journal, a report, the dashboard or an answer to serve's client.
///
/// Values shorter than `minimumLength` are not registered: redacting a 3-character "key" would mangle ordinary
/// text, and a key that short is not a real provider's key (the tests and the demo use `x`).
public enum SecretRedactor {
    public static let minimumLength = 8
    /// At most this many values are remembered (each create or update of a served endpoint may add some).
    public static let capacity = 4_096

    private struct Known {
        var values: [[UInt8]] = []
        var seen: Set<String> = []
        var longest = 0
    }

    private static let known = Mutex(Known())
    private static let replacement = Array(SecretValue.redacted.utf8)

    /// Remembers `value` as a secret to redact from now on.
    public static func register(_ value: String) {
        guard value.utf8.count >= minimumLength else { return }
        known.withLock { k in
            guard k.values.count < capacity, k.seen.insert(value).inserted else { return }
            k.values.append(Array(value.utf8))
            k.longest = max(k.longest, value.utf8.count)
        }
    }

    /// `text` with every known secret and key-shaped token replaced by `‹redacted›`.
    public static func redact(_ text: String) -> String {
        let values = known.withLock { $0.values }
        var text = text
        // Scans the string's own UTF-8 storage: no copy unless something is replaced.
        if let redacted = text.withUTF8({ redacted(Array($0), values: values) }) {
            return String(decoding: redacted, as: UTF8.self)
        }
        return text
    }

    /// `bytes` with the secrets replaced, or nil when there were none.
    private static func redacted(_ bytes: [UInt8], values: [[UInt8]]) -> [UInt8]? {
        var out: [UInt8] = []
        var copied = 0
        var i = 0
        while i < bytes.count {
            guard let (keep, length) = match(bytes, at: i, values: values) else {
                i += 1
                continue
            }
            if out.isEmpty { out.reserveCapacity(bytes.count) }
            out.append(contentsOf: bytes[copied..<(i + keep)])
            out.append(contentsOf: replacement)
            i += keep + length
            copied = i
        }
        guard copied > 0 else { return nil }
        out.append(contentsOf: bytes[copied...])
        return out
    }

    /// A secret at `i`: how many bytes to keep before it (a header name, `Bearer `) and how long the secret is.
    private static func match(_ b: [UInt8], at i: Int, values: [[UInt8]]) -> (keep: Int, length: Int)? {
        let first = b[i]
        for v in values where v[0] == first && i + v.count <= b.count {
            if b[i..<(i + v.count)].elementsEqual(v) { return (0, v.count) }
        }
        let boundary = i == 0 || !isTokenByte(b[i - 1])
        guard boundary else { return nil }
        switch first {
        case UInt8(ascii: "s"):
            if has(b, i, "sk-"), case let n = run(b, i + 3, isTokenByte), n >= 16 { return (0, 3 + n) }
        case UInt8(ascii: "A"):
            if has(b, i, "AKIA") || has(b, i, "ASIA"), run(b, i + 4, isUpperAlnum) >= 16 { return (0, 20) }
            if has(b, i, "AIza"), run(b, i + 4, isTokenByte) >= 35 { return (0, 39) }
        case UInt8(ascii: "d"):
            if has(b, i, "dapi"), run(b, i + 4, isHex) >= 32 { return (0, 4 + run(b, i + 4, isHex)) }
        default:
            break
        }
        let lower = first | 0x20
        guard
            lower == UInt8(ascii: "b") || lower == UInt8(ascii: "x") || lower == UInt8(ascii: "a")
                || lower == UInt8(ascii: "p")
        else { return nil }
        if hasIgnoringCase(b, i, "bearer ") {
            // A token has digits; "bearer securities" or "Bearer YOUR_KEY" in an answer are left alone.
            let n = run(b, i + 7, isCredentialByte)
            if n >= minimumLength, b[(i + 7)..<(i + 7 + n)].contains(where: { $0 >= 0x30 && $0 <= 0x39 }) {
                return (7, n)
            }
        }
        for name in echoedHeaders where hasIgnoringCase(b, i, name) {
            // `x-api-key: v`, `"x-api-key": "v"`, `x-api-key=v`: keep the name and separators, redact the value.
            var j = i + name.utf8.count
            while j < b.count, b[j] == UInt8(ascii: "\"") || b[j] == UInt8(ascii: "'") || b[j] == UInt8(ascii: " ") {
                j += 1
            }
            guard j < b.count, b[j] == UInt8(ascii: ":") || b[j] == UInt8(ascii: "=") else { return nil }
            j += 1
            while j < b.count, b[j] == UInt8(ascii: "\"") || b[j] == UInt8(ascii: "'") || b[j] == UInt8(ascii: " ") {
                j += 1
            }
            if hasIgnoringCase(b, j, "bearer ") { return nil }  // the bearer rule takes the token itself
            var end = j
            while end < b.count, !headerValueEnds(b[end]) { end += 1 }
            // A key-like value: long enough and with a digit (prose after "Authorization:" is not one).
            let value = b[j..<end]
            return value.count >= minimumLength && value.contains(where: { $0 >= 0x30 && $0 <= 0x39 })
                ? (j - i, end - j) : nil
        }
        return nil
    }

    private static let echoedHeaders = [
        "x-api-key", "api-key", "authorization", "x-goog-api-key", "proxy-authorization",
    ]

    /// Bytes at the end of `text` that could be the start of a known secret: a stream relay holds them back until
    /// the next chunk says whether the secret follows (see `Stream`).
    static func possibleSecretPrefix(_ text: [UInt8], values: [[UInt8]]) -> Int {
        var best = 0
        for v in values {
            // Only a position holding the value's first byte can start it: one pass over the tail.
            let from = max(0, text.count - (v.count - 1))
            for start in from..<text.count where text[start] == v[0] && text.count - start > best {
                if text[start...].elementsEqual(v[0..<(text.count - start)]) {
                    best = text.count - start
                    break
                }
            }
        }
        return best
    }

    /// Redacts a text that arrives in pieces (a streamed answer relayed as it comes): a piece's end that could
    /// begin a known secret waits for the next piece, so a secret split across chunks is caught too.
    public struct Stream: Sendable {
        private var pending: [UInt8] = []

        public init() {}

        /// What can go out now.
        public mutating func push(_ chunk: String) -> String {
            let values = SecretRedactor.known.withLock { $0.values }
            if pending.isEmpty, values.isEmpty {
                // Nothing registered to hold back for: key shapes are redacted chunk by chunk.
                return SecretRedactor.redact(chunk)
            }
            let joined = pending + Array(chunk.utf8)
            // What to hold is decided on the raw text: redacting first could turn the start of a known key into
            // a shape match, and the rest of the key would then go out in the next chunk.
            var hold = SecretRedactor.possibleSecretPrefix(joined, values: values)
            // Never split a UTF-8 sequence: hold back to the start of a scalar.
            while hold < joined.count, hold > 0, joined[joined.count - hold] & 0xC0 == 0x80 { hold += 1 }
            let out = Array(joined[..<(joined.count - hold)])
            pending = Array(joined[(joined.count - hold)...])
            return String(decoding: SecretRedactor.redacted(out, values: values) ?? out, as: UTF8.self)
        }

        /// What was held back, at the end of the stream.
        public mutating func finish() -> String {
            defer { pending = [] }
            return String(decoding: pending, as: UTF8.self)
        }
    }

    // MARK: - Bytes

    private static func has(_ b: [UInt8], _ i: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        return s.withUTF8Buffer { b[i..<(i + n)].elementsEqual($0) }
    }

    private static func hasIgnoringCase(_ b: [UInt8], _ i: Int, _ s: String) -> Bool {
        let n = s.utf8.count
        guard i + n <= b.count else { return false }
        return zip(b[i..<(i + n)], s.utf8).allSatisfy { (c, l) in (c >= 0x41 && c <= 0x5A ? c + 0x20 : c) == l }
    }

    private static func run(_ b: [UInt8], _ from: Int, _ test: (UInt8) -> Bool) -> Int {
        var j = from
        while j < b.count, test(b[j]) { j += 1 }
        return j - from
    }

    private static func isTokenByte(_ c: UInt8) -> Bool {
        isUpperAlnum(c) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
    }

    private static func isUpperAlnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) }

    private static func isHex(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) }

    /// Characters a bearer token is made of (RFC 6750's b64token, plus what keys use).
    private static func isCredentialByte(_ c: UInt8) -> Bool {
        isTokenByte(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "~") || c == UInt8(ascii: "+")
            || c == UInt8(ascii: "/") || c == UInt8(ascii: "=")
    }

    private static func headerValueEnds(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == 0x0D || c == 0x0A || c == UInt8(ascii: ",")
            || c == 0x20
            || c == UInt8(ascii: "}") || c == UInt8(ascii: "&") || c == UInt8(ascii: ";")
    }
}
