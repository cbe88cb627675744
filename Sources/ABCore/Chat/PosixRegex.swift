import Glibc

/// A regular expression for `expect.regex`, matched by glibc's POSIX extended regular expressions (`regcomp`,
/// `regexec`): a maintained C library whose matcher simulates the pattern's automaton over the text instead of
/// backtracking, so a hostile answer cannot make a pattern run for exponential time (Swift's `Regex` and ICU
/// backtrack). Syntax: POSIX ERE, plus the shorthands people write by habit — `\d`, `\w`, `\s` and their negations
/// outside brackets — translated to `[0-9]`, `[[:alnum:]_]`, `[[:space:]]`. Back-references are refused (they
/// would need backtracking), and so are counted repeats whose product passes 1,000. Matching is a search over the
/// answer's first 64 KiB, byte by byte in the C locale (`.` is a byte, classes are ASCII, `ignore_case` folds
/// ASCII): anchor with `^` and `$` to match the whole answer.
public final class PosixRegex: @unchecked Sendable {
    public let pattern: String
    public let ignoreCase: Bool
    /// Compiled once; `regexec` only reads it (glibc locks what it caches), so it is shared across threads.
    private var compiled = regex_t()

    /// The longest pattern taken, and the part of an answer a pattern is matched against.
    public static let maxPatternLength = 1_000
    public static let maxTextBytes = 64 * 1024

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public init(_ pattern: String, ignoreCase: Bool = false) throws(Problem) {
        guard !pattern.isEmpty, pattern.utf8.count <= Self.maxPatternLength, !pattern.utf8.contains(0) else {
            throw Problem(message: "a pattern of 1 to \(Self.maxPatternLength) bytes, without NUL")
        }
        let translated = try Self.translate(pattern)
        // Counted repeats multiply the automaton glibc builds (`((a{255}){255}){255}` would take minutes and
        // gigabytes to compile): their product is bounded.
        var product = 1
        var rest = Substring(translated)
        while let open = rest.firstIndex(of: "{") {
            let digits = rest[rest.index(after: open)...].prefix { $0.isNumber || $0 == "," }
            let counts = digits.split(separator: ",").compactMap { Int($0) }
            product = min(Int.max / 1_000, product * max(1, counts.max() ?? 1))
            rest = rest[rest.index(after: open)...]
        }
        guard product <= 1_000 else {
            throw Problem(
                message: "its counted repeats ({n}) multiply to over 1,000: write the pattern without nesting them")
        }
        self.pattern = pattern
        self.ignoreCase = ignoreCase
        let flags = REG_EXTENDED | REG_NOSUB | (ignoreCase ? REG_ICASE : 0)
        let status = regcomp(&compiled, translated, flags)
        guard status == 0 else {
            var buffer = [CChar](repeating: 0, count: 256)
            regerror(status, &compiled, &buffer, buffer.count)
            regfree(&compiled)
            throw Problem(message: "not a POSIX extended regular expression: \(String(cString: buffer))")
        }
    }

    deinit { regfree(&compiled) }

    /// Whether the pattern occurs in `text` (its first 64 KiB; a NUL ends what is searched).
    public func matches(_ text: String) -> Bool {
        var bytes = Array(text.utf8.prefix(Self.maxTextBytes).prefix { $0 != 0 })
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in regexec(&compiled, chars.baseAddress!, 0, nil, 0) == 0 }
        }
    }

    /// `\d`, `\D`, `\w`, `\W`, `\s`, `\S` outside brackets as POSIX classes; a back-reference refused.
    static func translate(_ pattern: String) throws(Problem) -> String {
        var out = ""
        var inBracket = false
        var chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count {
                let n = chars[i + 1]
                if !inBracket {
                    switch n {
                    case "d": out += "[0-9]"
                    case "D": out += "[^0-9]"
                    case "w": out += "[[:alnum:]_]"
                    case "W": out += "[^[:alnum:]_]"
                    case "s": out += "[[:space:]]"
                    case "S": out += "[^[:space:]]"
                    case "1"..."9":
                        throw Problem(message: "back-references (\\\(n)) are not supported: they need backtracking")
                    default: out += "\\\(n)"
                    }
                } else {
                    out += "\\\(n)"
                }
                i += 2
                continue
            }
            if c == "[" && !inBracket {
                inBracket = true
                out.append(c)
                // A `]` right after `[` or `[^` is a literal member.
                if i + 1 < chars.count, chars[i + 1] == "^" {
                    out.append("^")
                    i += 1
                }
                if i + 1 < chars.count, chars[i + 1] == "]" {
                    out.append("]")
                    i += 1
                }
                i += 1
                continue
            }
            if c == "[" && inBracket, i + 1 < chars.count, chars[i + 1] == ":" {
                // A class like [:digit:] inside a bracket: copy through its closing ":]".
                if let end = (i + 2..<max(i + 2, chars.count - 1)).first(where: {
                    chars[$0] == ":" && chars[$0 + 1] == "]"
                }) {
                    out += String(chars[i...end + 1])
                    i = end + 2
                    continue
                }
            }
            if c == "]" && inBracket { inBracket = false }
            out.append(c)
            i += 1
        }
        chars.removeAll()
        return out
    }

    public static func == (a: PosixRegex, b: PosixRegex) -> Bool {
        a.pattern == b.pattern && a.ignoreCase == b.ignoreCase
    }
}
