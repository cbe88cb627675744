/// Object member names to build when parsing selectively (`JSONParser.parse(utf8:keeping:)`).
public struct JSONKeySet: Sendable {
    /// The names by length and first byte (`length << 8 | first`): a member's name is compared only with the few
    /// of its length and first letter, however many names the set holds (every dialect's answer keys together).
    private let buckets: [Int: [[UInt8]]]
    /// Members whose values are built whole, every key inside them kept (a tool call's arguments object).
    private let whole: [String]

    public init(_ names: [String], whole: [String] = []) {
        var buckets: [Int: [[UInt8]]] = [:]
        for name in names + whole {
            let bytes = Array(name.utf8)
            buckets[Self.bucket(bytes.count, bytes.first ?? 0), default: []].append(bytes)
        }
        self.buckets = buckets
        self.whole = whole
    }

    @inline(__always)
    private static func bucket(_ count: Int, _ first: UInt8) -> Int { count << 8 | Int(first) }

    func contains(_ name: ArraySlice<UInt8>) -> Bool {
        guard let first = name.first, let candidates = buckets[Self.bucket(name.count, first)] else { return false }
        return candidates.contains { $0.elementsEqual(name) }
    }

    func isWhole(_ name: String) -> Bool { !whole.isEmpty && whole.contains(name) }
}

/// Parses JSON as people paste it: strict JSON plus `#`, `//` and `/* */` comments, trailing commas,
/// single-quoted strings, Python's `True` / `False` / `None`, and a leading `name =` assignment.
///
/// The endpoint config in the article that started abtop is a Python dict with comments; a user who pastes it
/// should get errors about its content, not about its syntax. Syntax errors carry a line and column.
public struct JSONParser {
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let column: Int
        public let message: String
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    private let bytes: [UInt8]
    private var index = 0
    /// Object members to build; nil builds them all.
    private var keep: JSONKeySet?
    /// Whether an error may quote the text it stopped at (a word, a number). Off for a secrets file, where
    /// every value is a secret.
    private let quotesContent: Bool
    /// Plain RFC 8259 JSON only: no comments, trailing commas, single quotes, Python words or assignment (an
    /// answer checked for being JSON must be JSON a program can read).
    private var strict = false
    /// The key whose value is being read: an error inside a credential field never quotes what it found.
    private var currentKey: String?

    private init(_ bytes: [UInt8], keep: JSONKeySet? = nil, quotesContent: Bool = true) {
        self.bytes = bytes
        self.keep = keep
        self.quotesContent = quotesContent
    }

    /// Parses `text` as strict JSON (RFC 8259): what an answer that must be JSON is held to.
    public static func parseStrict(_ text: String) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(Array(text.utf8))
        parser.strict = true
        return try parser.parseDocument()
    }

    /// Parses one JSON value filling the whole text. With `quotingContent: false` no error quotes the text it
    /// stopped at (a secrets file: a key written without quotes must not be printed back).
    public static func parse(_ text: String, quotingContent: Bool = true) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(Array(text.utf8), quotesContent: quotingContent)
        return try parser.parseDocument()
    }

    /// Whether a key names a credential: what a value under it holds is never quoted in an error.
    static func isCredentialKey(_ key: String) -> Bool {
        let k = key.lowercased()
        return k.hasSuffix("_plaintext") || ConfigRedaction.isCredentialKey(k)
            || ["secret", "token", "password", "api_key", "apikey", "private_key", "credential"].contains {
                k.contains($0)
            }
    }

    /// `text` as an error may show it: quoted, unless it may be a secret.
    private func shown(_ text: String, what: String) -> String {
        if quotesContent, currentKey.map(Self.isCredentialKey) != true { return "\(what) '\(Excerpt.of(text))'" }
        return "\(what) (\(text.utf8.count) characters, not shown: it may be a secret)"
    }

    /// Parses UTF-8 bytes (a response body, an SSE event) without making a `String` of them first.
    public static func parse(utf8 bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        try parse(utf8: bytes, keep: nil)
    }

    /// Parses UTF-8 bytes, building only the object members named in `keys` (at any depth); every other
    /// member's value is stepped over, its structure checked but nothing allocated for it. For answers read on
    /// the hot path, where only a few fields matter.
    public static func parse(utf8 bytes: [UInt8], keeping keys: JSONKeySet) throws(SyntaxError) -> JSONValue {
        try parse(utf8: bytes, keep: keys)
    }

    private static func parse(utf8 bytes: [UInt8], keep: JSONKeySet?) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(bytes, keep: keep)
        return try parser.parseDocument()
    }

    private mutating func parseDocument() throws(SyntaxError) -> JSONValue {
        if !strict { skipAssignmentPrefix() }
        let value = try parseValue(depth: 0)
        skipTrivia()
        if index < bytes.count {
            throw error("unexpected text after the end of the document")
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth < 256 else { throw error("nesting deeper than 256 levels") }
        skipTrivia()
        guard let byte = peek() else { throw error("unexpected end of document, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "'") where !strict: return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default:
            let word = readWord()
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            case "True" where !strict: return .bool(true)
            case "False" where !strict: return .bool(false)
            case "None" where !strict: return .null
            case "":
                throw error(
                    shown(String(Character(Unicode.Scalar(byte))), what: "unexpected character") + ", expected a value")
            default: throw error(shown(word, what: "unexpected word") + ", expected a value (strings need quotes)")
            }
        }
    }

    private mutating func parseObject(depth: Int) throws(SyntaxError) -> JSONObject {
        index += 1  // {
        var members: [JSONObject.Member] = []
        var skipped = false
        while true {
            skipTrivia()
            guard let byte = peek() else { throw error("unexpected end of document inside an object, expected '}'") }
            if byte == UInt8(ascii: "}") {
                index += 1
                return JSONObject(members)
            }
            if !members.isEmpty || skipped {
                guard byte == UInt8(ascii: ",") else { throw error("expected ',' or '}' after an object member") }
                index += 1
                skipTrivia()
                if peek() == UInt8(ascii: "}") {
                    if strict { throw error("a trailing comma before '}'") }
                    index += 1
                    return JSONObject(members)
                }
            }
            skipTrivia()
            guard let quote = peek(), quote == UInt8(ascii: "\"") || (!strict && quote == UInt8(ascii: "'")) else {
                throw error("expected a quoted key")
            }
            if let keep, let range = plainStringRange(), !keep.contains(bytes[range]) {
                index = range.upperBound + 1
                skipTrivia()
                guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
                index += 1
                try skipValue(depth: depth + 1)
                skipped = true
                continue
            }
            let key = try parseString()
            skipTrivia()
            guard peek() == UInt8(ascii: ":") else {
                throw error(
                    quotesContent ? "expected ':' after the key \"\(Excerpt.of(key))\"" : "expected ':' after a key")
            }
            index += 1
            let outerKey = currentKey
            currentKey = key
            defer { currentKey = outerKey }
            if let saved = keep, saved.isWhole(key) {
                keep = nil
                defer { keep = saved }
                members.append(.init(key: key, value: try parseValue(depth: depth + 1)))
                continue
            }
            let value = try parseValue(depth: depth + 1)
            members.append(.init(key: key, value: value))
        }
    }

    private mutating func parseArray(depth: Int) throws(SyntaxError) -> [JSONValue] {
        index += 1  // [
        var values: [JSONValue] = []
        while true {
            skipTrivia()
            guard let byte = peek() else { throw error("unexpected end of document inside an array, expected ']'") }
            if byte == UInt8(ascii: "]") {
                index += 1
                return values
            }
            if !values.isEmpty {
                guard byte == UInt8(ascii: ",") else { throw error("expected ',' or ']' after an array element") }
                index += 1
                skipTrivia()
                if peek() == UInt8(ascii: "]") {
                    if strict { throw error("a trailing comma before ']'") }
                    index += 1
                    return values
                }
            }
            values.append(try parseValue(depth: depth + 1))
        }
    }

    private mutating func parseString() throws(SyntaxError) -> String {
        let quote = bytes[index]
        index += 1
        // Fast path: no escapes before the closing quote (nearly every string in a response).
        var end = index
        while end < bytes.count, bytes[end] != quote, bytes[end] != UInt8(ascii: "\\"), bytes[end] != 0x0A { end += 1 }
        if end < bytes.count, bytes[end] == quote {
            defer { index = end + 1 }
            return String(decoding: bytes[index..<end], as: UTF8.self)
        }
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == quote { return String(decoding: out, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") {
                index -= 1
                throw error("line break inside a string (missing closing quote?)")
            }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if (0xD800..<0xDC00).contains(scalar), bytes.count > index + 1,
                    bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    let low = try readHex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let s = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(s)).utf8))
            default:
                throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))' in a string")
            }
        }
        throw error("unexpected end of document inside a string")
    }

    /// The bytes of the string starting at `index` when it holds no escape (nil otherwise); `index` stays.
    private func plainStringRange() -> Range<Int>? {
        let quote = bytes[index]
        var end = index + 1
        while end < bytes.count, bytes[end] != quote {
            if bytes[end] == UInt8(ascii: "\\") || bytes[end] == 0x0A { return nil }
            end += 1
        }
        return end < bytes.count ? (index + 1)..<end : nil
    }

    /// Steps over one value, checking its structure (brackets, commas, quotes) without building it.
    private mutating func skipValue(depth: Int) throws(SyntaxError) {
        guard depth < 256 else { throw error("nesting deeper than 256 levels") }
        skipTrivia()
        guard let byte = peek() else { throw error("unexpected end of document, expected a value") }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            var first = true
            while true {
                skipTrivia()
                guard let b = peek() else {
                    throw error("unexpected end of document, expected '\(Character(Unicode.Scalar(close)))'")
                }
                if b == close {
                    index += 1
                    return
                }
                if !first {
                    guard b == UInt8(ascii: ",") else {
                        throw error("expected ',' or '\(Character(Unicode.Scalar(close)))'")
                    }
                    index += 1
                    skipTrivia()
                    if peek() == close { continue }
                }
                first = false
                if close == UInt8(ascii: "}") {
                    guard let q = peek(), q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") else {
                        throw error("expected a quoted key")
                    }
                    try skipString()
                    skipTrivia()
                    guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
                    index += 1
                }
                try skipValue(depth: depth + 1)
            }
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            try skipString()
        default:
            let start = index
            while let b = peek(), isWordByte(b) || isNumberByte(b) { index += 1 }
            if index == start {
                throw error(
                    shown(String(Character(Unicode.Scalar(byte))), what: "unexpected character") + ", expected a value")
            }
        }
    }

    private mutating func skipString() throws(SyntaxError) {
        let quote = bytes[index]
        index += 1
        while index < bytes.count {
            let b = bytes[index]
            if b == quote {
                index += 1
                return
            }
            if b == 0x0A { throw error("line break inside a string (missing closing quote?)") }
            index += b == UInt8(ascii: "\\") ? 2 : 1
        }
        throw error("unexpected end of document inside a string")
    }

    private mutating func readHex4() throws(SyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = hexDigit(bytes[index]) else { throw error("invalid hex digit in \\u escape") }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(SyntaxError) -> JSONNumber {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        while let b = peek(), isNumberByte(b) { index += 1 }
        let literal = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(literal), value.isFinite else {
            throw error(shown(JSONNumber(literal: literal, value: 0).shortLiteral, what: "invalid number"))
        }
        return JSONNumber(literal: literal, value: value)
    }

    // MARK: - Trivia

    private mutating func skipTrivia() {
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "#") where !strict:
                skipLine()
            case UInt8(ascii: "/") where !strict && peek(at: 1) == UInt8(ascii: "/"):
                skipLine()
            case UInt8(ascii: "/") where !strict && peek(at: 1) == UInt8(ascii: "*"):
                index += 2
                while index < bytes.count, !(bytes[index] == UInt8(ascii: "*") && peek(at: 1) == UInt8(ascii: "/")) {
                    index += 1
                }
                index = min(index + 2, bytes.count)
            case 0xEF where peek(at: 1) == 0xBB && peek(at: 2) == 0xBF:  // UTF-8 byte order mark
                index += 3
            default:
                return
            }
        }
    }

    private mutating func skipLine() {
        while let byte = peek(), byte != UInt8(ascii: "\n") { index += 1 }
    }

    /// Skips `config =` so a Python assignment pasted whole still parses.
    private mutating func skipAssignmentPrefix() {
        skipTrivia()
        let start = index
        let word = readWord()
        skipTrivia()
        if !word.isEmpty, peek() == UInt8(ascii: "="), peek(at: 1) != UInt8(ascii: "=") {
            index += 1
        } else {
            index = start
        }
    }

    private mutating func readWord() -> String {
        let start = index
        while let b = peek(), isWordByte(b) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    // MARK: - Bytes

    private func peek(at offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private func isWordByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
    }

    private func isNumberByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: ".") || b == UInt8(ascii: "e")
            || b == UInt8(ascii: "E") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
    }

    private func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private func error(_ message: String) -> SyntaxError {
        var line = 1
        var column = 1
        for byte in bytes[0..<min(index, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SyntaxError(line: line, column: column, message: message)
    }
}
