/// A Databricks secret reference, `{{secrets/<scope>/<key>}}`.
public struct SecretReference: Sendable, Hashable, CustomStringConvertible {
    public let scope: String
    public let key: String

    public init(scope: String, key: String) {
        self.scope = scope
        self.key = key
    }

    /// Parses `{{secrets/scope/key}}`; nil for anything else (including a literal key pasted by mistake).
    public init?(parsing text: String) {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}") else { return nil }
        let inner = trimmed.dropFirst(2).dropLast(2).trimmingWhitespace()
        let parts = inner.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "secrets",
            Self.isValidName(parts[1]), Self.isValidName(parts[2])
        else { return nil }
        self.init(scope: String(parts[1]), key: String(parts[2]))
    }

    /// Whether a string is meant as a reference (starts with `{{`), even if malformed.
    public static func looksLikeReference(_ text: String) -> Bool {
        text.trimmingWhitespace().hasPrefix("{{")
    }

    /// `scope/key`, the form a `--secrets` file uses as its key.
    public var path: String { "\(scope)/\(key)" }

    public var description: String { "{{secrets/\(scope)/\(key)}}" }

    /// The environment variable that supplies this secret: `ABTOP_SECRET_<SCOPE>_<KEY>`, upper-cased,
    /// every character other than a letter or digit turned into `_`.
    public var environmentVariable: String {
        let raw = "ABTOP_SECRET_\(scope)_\(key)".uppercased()
        return String(
            raw.unicodeScalars.map { scalar -> Character in
                let isAlnum = ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                return isAlnum ? Character(scalar) : "_"
            })
    }

    private static func isValidName(_ s: Substring) -> Bool {
        !s.isEmpty && s.count <= 128
            && s.unicodeScalars.allSatisfy { c in
                ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                    || "-_.".unicodeScalars.contains(c)
            }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
