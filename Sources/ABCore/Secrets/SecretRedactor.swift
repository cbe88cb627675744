import Synchronization

/// The one redactor every text from a provider passes through before it is stored, shown, logged or relayed.
///
/// It knows the secret values the process uses (the keys an accepted config resolved, held by a `Lease` for as long
/// as the endpoint lives; serve's own token) and the common shapes of API keys (`sk-…`, `AKIA…`, `AIza…`,
/// `dapi…`, `Bearer …`, and the value after an echoed `x-api-key` / `api-key` / `authorization` header), and
/// writes `‹redacted›` in their place. A provider that echoes the request's headers in an error therefore cannot
/// put a key into the journal, a report, the dashboard or an answer to serve's client.
///
/// Only what is in use is registered: a config that is refused registers nothing, so refused requests cannot fill
/// the table. Every registered value is matched in one pass (`SecretAutomaton`), so the cost per byte does not
/// grow with the number of values. Values shorter than `minimumLength` are not registered: redacting a
/// 3-character "key" would mangle ordinary text, and a key that short is not a real provider's key.
public enum SecretRedactor {
    public static let minimumLength = 8
    /// A credential longer than this is refused where it is read (no provider's key is near it; a service account's
    /// JSON key file is about 2.4 KB), so the table's size is bounded by its count.
    public static let maximumLength = 16 * 1024
    /// At most this many distinct values are held at once; a config whose keys would not fit is refused.
    public static let capacity = 4_096
    /// At most this many bytes of them: the automaton takes about 20 bytes per byte of secret, so the table stays
    /// under ~40 MB whatever is registered (real keys are 40–200 bytes; a service account's file and key ~4 KB).
    public static let capacityBytes = 2 << 20

    /// Why a lease could not be taken: the config that needs it is refused, loudly.
    public struct TableFull: Error, CustomStringConvertible, Sendable {
        public var description: String {
            "abtop's table of secrets to redact is full (at most \(SecretRedactor.capacity) values, "
                + "\(SecretRedactor.capacityBytes >> 20) MiB); a config whose keys could not be redacted is refused"
        }
    }

    /// Secrets held while an owner (an endpoint's session) lives; released when it goes (or by `release()`).
    public final class Lease: Sendable {
        private let values: Mutex<[String]>

        fileprivate init(values: [String]) { self.values = Mutex(values) }

        /// Forgets the values (another lease may still hold some). Idempotent.
        public func release() {
            let values = self.values.withLock { v in
                defer { v = [] }
                return v
            }
            guard !values.isEmpty else { return }
            if SecretRedactor.table.withLock({ $0.remove(values) }) { SecretRedactor.rebuild() }
        }

        deinit { release() }
    }

    /// The registered values, counted by how many leases hold each, and the automaton over them.
    private struct Table {
        var counts: [String: Int] = [:]
        var bytes = 0
        var automaton = SecretAutomaton.empty
        /// Bumped by every change of the set; the automaton installed was built from `built`.
        var generation = 0
        var built = 0
        /// How many leases were refused for want of room.
        var refusals = 0

        /// Adds the values; false (nothing added) when they would not fit. True with `changed` when the set grew.
        mutating func add(_ values: [String]) -> (fits: Bool, changed: Bool) {
            let new = Set(values.filter { counts[$0] == nil })
            let newBytes = new.reduce(0) { $0 + $1.utf8.count }
            guard counts.count + new.count <= SecretRedactor.capacity,
                bytes + newBytes <= SecretRedactor.capacityBytes
            else {
                refusals += 1
                return (false, false)
            }
            for v in values { counts[v, default: 0] += 1 }
            bytes += newBytes
            if !new.isEmpty { generation += 1 }
            return (true, !new.isEmpty)
        }

        /// Removes one hold of each value; true when the set shrank.
        mutating func remove(_ values: [String]) -> Bool {
            var changed = false
            for v in values {
                guard let n = counts[v] else { continue }
                if n > 1 {
                    counts[v] = n - 1
                } else {
                    counts[v] = nil
                    bytes -= v.utf8.count
                    changed = true
                }
            }
            if changed { generation += 1 }
            return changed
        }
    }

    private static let table = Mutex(Table())
    /// Held while an automaton is built: builds run one at a time and outside `table`'s lock, so redaction on the
    /// transport threads never waits for one; each build takes the latest set, so when `rebuild` returns the
    /// automaton in use knows every value added before it was called.
    private static let building = Mutex(())

    private static func rebuild() {
        building.withLock { _ in
            let (values, generation) = table.withLock { t in (Array(t.counts.keys), t.generation) }
            let automaton = SecretAutomaton(patterns: values.map { Array($0.utf8) })
            table.withLock { t in
                guard generation > t.built else { return }
                t.automaton = automaton
                t.built = generation
            }
        }
    }
    private static let replacement = Array(SecretValue.redacted.utf8)

    /// Registers `values` (those too short to be keys are skipped, those too long are cut to `maximumLength`) until
    /// the lease is released. Throws when the table has no room: a secret abtop could not redact is never used.
    public static func hold(_ values: [String]) throws(TableFull) -> Lease {
        var unique: [String] = []
        var seen: Set<String> = []
        for v in values where v.utf8.count >= minimumLength {
            // Cut on a character boundary, so the registered prefix is the value's own bytes.
            var v = v
            while v.utf8.count > maximumLength { v.removeLast() }
            if seen.insert(v).inserted { unique.append(v) }
        }
        let (fits, changed) = table.withLock { $0.add(unique) }
        guard fits else { throw TableFull() }
        // The lease is handed out only once the automaton in use knows its values.
        if changed { rebuild() }
        return Lease(values: unique)
    }

    /// Registers `value` for the life of the process (serve's own token, a test's key).
    @discardableResult
    public static func register(_ value: String) -> Bool {
        guard let lease = try? hold([value]) else { return false }
        // Never released: the count it added stays.
        _ = Unmanaged.passRetained(lease)
        return true
    }

    /// How many values are registered now, and how many leases were refused for want of room.
    public static var usage: (values: Int, refusals: Int) {
        table.withLock { ($0.counts.count, $0.refusals) }
    }

    private static var automaton: SecretAutomaton { table.withLock { $0.automaton } }

    /// `text` with every known secret and key-shaped token replaced by `‹redacted›`.
    public static func redact(_ text: String) -> String {
        let automaton = automaton
        var text = text
        // Scans the string's own UTF-8 storage: no copy unless something is replaced.
        let redacted: [UInt8]? = text.withUTF8 { bytes in
            let known = automaton.scan(bytes).matches
            return Self.redacted(bytes, known: known)
        }
        return redacted.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// `bytes` with the known ranges and the key shapes replaced, or nil when there were none.
    private static func redacted(_ b: UnsafeBufferPointer<UInt8>, known: [Range<Int>]) -> [UInt8]? {
        var out: [UInt8] = []
        var copied = 0
        var i = 0
        var k = 0
        func replace(_ range: Range<Int>) {
            if out.isEmpty { out.reserveCapacity(b.count) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[copied..<range.lowerBound]))
            out.append(contentsOf: replacement)
            copied = range.upperBound
        }
        while i < b.count {
            while k < known.count, known[k].upperBound <= i { k += 1 }
            if k < known.count, known[k].lowerBound <= i {
                replace(max(copied, known[k].lowerBound)..<known[k].upperBound)
                i = known[k].upperBound
                k += 1
                continue
            }
            guard let (keep, length) = shape(b, at: i) else {
                i += 1
                continue
            }
            // A shape that runs into a known secret takes it whole.
            var end = i + keep + length
            while k < known.count, known[k].lowerBound < end {
                end = max(end, known[k].upperBound)
                k += 1
            }
            replace((i + keep)..<end)
            i = end
        }
        guard copied > 0 || !out.isEmpty else { return nil }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[copied...]))
        return out
    }

    /// A key shape at `i`: how many bytes to keep before it (a header name, `Bearer `) and how long the key is.
    private static func shape(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (keep: Int, length: Int)? {
        let first = b[i]
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

    /// How a key shape begins: a chunk ending in a run that could still become one is held back too.
    private static let shapeStarts: [[UInt8]] = ["sk-", "AKIA", "ASIA", "AIza", "dapi"].map { Array($0.utf8) }

    /// The bytes at the end of `b` that could begin a key shape the next chunk completes: a run of key bytes
    /// starting at a word boundary with a shape's first letters (at most 256 bytes: a longer run is already
    /// matched or is no key).
    private static func shapeHold(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var start = b.count
        while start > 0, b.count - start < 256, isTokenByte(b[start - 1]) { start -= 1 }
        guard start < b.count, start == 0 || !isTokenByte(b[start - 1]) else { return 0 }
        let run = b[start...]
        for s in shapeStarts {
            let n = min(run.count, s.count)
            if run.prefix(n).elementsEqual(s.prefix(n)) { return run.count }
        }
        return keywordHold(b)
    }

    /// The words a token follows (`Bearer `, an echoed header's name), lower-cased.
    private static let keywords: [[UInt8]] = (["bearer "] + echoedHeaders).map { Array($0.utf8) }

    /// The bytes at the end of `b` from a keyword whose token may continue in the next chunk: `Bearer ab12`,
    /// `"x-api-key": "abc`, a bare `x-api-key:`, or the start of a keyword itself (`Bear`). At most 512 bytes.
    private static func keywordHold(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        let from = max(0, b.count - 512)
        var i = b.count - 1
        while i >= from {
            defer { i -= 1 }
            guard i == 0 || !isTokenByte(b[i - 1]) else { continue }
            let lower = b[i] | 0x20
            guard
                lower == UInt8(ascii: "b") || lower == UInt8(ascii: "x") || lower == UInt8(ascii: "a")
                    || lower == UInt8(ascii: "p")
            else { continue }
            for k in keywords {
                let n = min(k.count, b.count - i)
                guard
                    (0..<n).allSatisfy({
                        (b[i + $0] >= 0x41 && b[i + $0] <= 0x5A ? b[i + $0] | 0x20 : b[i + $0]) == k[$0]
                    })
                else { continue }
                // The keyword is cut by the chunk's end, or followed by what may still be the start of a token.
                if n < k.count || tokenMayContinue(b, from: i + k.count, afterBearer: k.last == UInt8(ascii: " ")) {
                    return b.count - i
                }
            }
        }
        return 0
    }

    /// Whether everything from `j` to the end may be the separators and the start of a token (none has ended).
    private static func tokenMayContinue(_ b: UnsafeBufferPointer<UInt8>, from j: Int, afterBearer: Bool) -> Bool {
        var j = j
        if afterBearer { return (j..<b.count).allSatisfy { isCredentialByte(b[$0]) } }
        func quoteOrSpace(_ c: UInt8) -> Bool {
            c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: " ")
        }
        while j < b.count, quoteOrSpace(b[j]) { j += 1 }
        guard j < b.count else { return true }
        guard b[j] == UInt8(ascii: ":") || b[j] == UInt8(ascii: "=") else { return false }
        j += 1
        while j < b.count, quoteOrSpace(b[j]) { j += 1 }
        return (j..<b.count).allSatisfy { !headerValueEnds(b[$0]) }
    }

    /// Redacts a text that arrives in pieces (a streamed answer, a tool call's arguments, id or name relayed as
    /// they come): a piece's end that could begin a known secret or a key shape waits for the next piece, so a
    /// secret split across chunks is caught too.
    public struct Stream: Sendable {
        private var pending: [UInt8] = []

        public init() {}

        /// What can go out now.
        public mutating func push(_ chunk: String) -> String {
            let automaton = SecretRedactor.automaton
            let joined = pending + Array(chunk.utf8)
            let (out, rest) = joined.withUnsafeBufferPointer { b -> ([UInt8], Int) in
                // What to hold is decided on the raw text: redacting first could turn the start of a known key into
                // a shape match, and the rest of the key would then go out in the next chunk.
                let (known, heldForKnown) = automaton.scan(b)
                var cut = b.count - max(heldForKnown, SecretRedactor.shapeHold(b))
                // A secret that runs past the cut is held whole: it is redacted when the text after it is known.
                if let last = known.last(where: { $0.lowerBound < cut }), last.upperBound > cut {
                    cut = last.lowerBound
                }
                // Never split a UTF-8 sequence: hold back to the start of a scalar.
                while cut > 0, cut < b.count, b[cut] & 0xC0 == 0x80 { cut -= 1 }
                let head = UnsafeBufferPointer(rebasing: b[..<cut])
                let inHead = known.filter { $0.upperBound <= cut }
                return (SecretRedactor.redacted(head, known: inHead) ?? Array(head), cut)
            }
            pending = Array(joined[rest...])
            return String(decoding: out, as: UTF8.self)
        }

        /// What was held back, at the end of the stream (redacted: a shape may have been waiting).
        public mutating func finish() -> String {
            defer { pending = [] }
            return SecretRedactor.redact(String(decoding: pending, as: UTF8.self))
        }
    }

    // MARK: - Bytes

    private static func has(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        return s.withUTF8Buffer { b[i..<(i + n)].elementsEqual($0) }
    }

    private static func hasIgnoringCase(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ s: String) -> Bool {
        let n = s.utf8.count
        guard i + n <= b.count else { return false }
        return zip(b[i..<(i + n)], s.utf8).allSatisfy { (c, l) in (c >= 0x41 && c <= 0x5A ? c + 0x20 : c) == l }
    }

    private static func run(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ test: (UInt8) -> Bool) -> Int {
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
