/// Reads one JSON object of the config against the list of keys it may hold, collecting issues instead of stopping.
///
/// Every typed accessor reports a wrong type at the field's path; `finish` reports keys outside the list with a
/// did-you-mean (or the caller's better hint, such as a key that belongs in another provider's block).
public struct ObjectReader {
    public let object: JSONObject
    public let path: ConfigPath
    public let known: [String]

    /// Nil (and an error) when `value` is not an object. Duplicate keys are errors: JSON parsers keep one silently.
    public init?(_ value: JSONValue, at path: ConfigPath, known: [String], issues: inout ConfigIssues) {
        guard case .object(let object) = value else {
            issues.error(path, "expected an object, found \(value.kindDescription)")
            return nil
        }
        self.object = object
        self.path = path
        self.known = known
        var seen = Set<String>()
        for member in object.members where !seen.insert(member.key).inserted {
            issues.error(
                path.key(member.key), "the key \"\(member.key)\" appears more than once",
                fix: "keep one; JSON readers disagree on which copy wins")
        }
    }

    public func has(_ key: String) -> Bool { object[key] != nil }

    public func value(_ key: String) -> JSONValue? { object[key] }

    /// A string field; `missingFix` makes it required.
    public func string(_ key: String, issues: inout ConfigIssues, missingFix: String? = nil) -> String? {
        guard let value = object[key] else {
            if let missingFix { issues.error(path.key(key), "missing required key \"\(key)\"", fix: missingFix) }
            return nil
        }
        guard case .string(let s) = value else {
            issues.error(path.key(key), "expected a string, found \(value.kindDescription)")
            return nil
        }
        if s.trimmingWhitespace().isEmpty {
            issues.error(path.key(key), "must not be empty", fix: missingFix)
            return nil
        }
        return s
    }

    public func bool(_ key: String, issues: inout ConfigIssues) -> Bool? {
        guard let value = object[key] else { return nil }
        guard case .bool(let b) = value else {
            issues.error(path.key(key), "expected true or false, found \(value.kindDescription)")
            return nil
        }
        return b
    }

    /// A whole number in `range`; `allowNumericString` also takes `"50"`, as Databricks does for percentages.
    public func integer(
        _ key: String, in range: ClosedRange<Int>, issues: inout ConfigIssues,
        allowNumericString: Bool = false
    ) -> Int? {
        guard let value = object[key] else { return nil }
        return Self.integer(
            value, at: path.key(key), in: range, allowNumericString: allowNumericString, issues: &issues)
    }

    public static func integer(
        _ value: JSONValue, at path: ConfigPath, in range: ClosedRange<Int>,
        allowNumericString: Bool, issues: inout ConfigIssues
    ) -> Int? {
        let number: JSONNumber
        switch value {
        case .number(let n):
            number = n
        case .string(let s) where allowNumericString:
            guard let d = Double(s.trimmingWhitespace()) else {
                issues.error(path, "expected a whole number, found the string \"\(s)\"")
                return nil
            }
            number = JSONNumber(literal: s, value: d)
        default:
            issues.error(path, "expected a whole number, found \(value.kindDescription)")
            return nil
        }
        // Range first, in doubles: 1e300 or -9.3e18 is out of range, not a crash converting it to Int.
        guard number.value >= Double(range.lowerBound), number.value <= Double(range.upperBound) else {
            issues.error(
                path, "must be between \(range.lowerBound) and \(range.upperBound), found \(number.shortLiteral)")
            return nil
        }
        guard let whole = number.wholeValue else {
            let down = Int(saturating: number.value.rounded(.down))
            let up = Int(saturating: number.value.rounded(.up))
            issues.error(path, "must be a whole number, found \(number.shortLiteral)", fix: "write \(down) or \(up)")
            return nil
        }
        return whole
    }

    /// A number (whole or not) that must lie in `range`.
    public func number(_ key: String, in range: ClosedRange<Double>, issues: inout ConfigIssues) -> Double? {
        guard let value = object[key] else { return nil }
        guard case .number(let n) = value else {
            issues.error(path.key(key), "expected a number, found \(value.kindDescription)")
            return nil
        }
        guard range.contains(n.value) else {
            issues.error(
                path.key(key),
                "must be between \(format(range.lowerBound)) and \(format(range.upperBound)), found \(n.shortLiteral)")
            return nil
        }
        return n.value
    }

    /// A nested object's reader, or nil (with an error if present but not an object).
    public func object(_ key: String, known: [String], issues: inout ConfigIssues) -> ObjectReader? {
        guard let value = object[key] else { return nil }
        return ObjectReader(value, at: path.key(key), known: known, issues: &issues)
    }

    /// An array field's elements, or nil (with an error if present but not an array).
    public func array(_ key: String, issues: inout ConfigIssues) -> [JSONValue]? {
        guard let value = object[key] else { return nil }
        guard case .array(let values) = value else {
            issues.error(path.key(key), "expected an array, found \(value.kindDescription)")
            return nil
        }
        return values
    }

    /// Reports keys outside `known`. `hint` may explain a key better than a did-you-mean can.
    public func finish(issues: inout ConfigIssues, hint: (String) -> (message: String, fix: String)? = { _ in nil }) {
        for member in object.members where !known.contains(member.key) {
            let keyPath = path.key(member.key)
            if let special = hint(member.key) {
                issues.error(keyPath, special.message, fix: special.fix)
            } else if let suggestion = EditDistance.suggestion(for: member.key, among: known) {
                issues.error(
                    keyPath, "unknown key \"\(Excerpt.of(member.key))\"", fix: "did you mean \"\(suggestion)\"?")
            } else {
                let context = path.isRoot ? "here" : "in \(path.lastKeyName ?? "this object")"
                issues.error(
                    keyPath, "unknown key \"\(Excerpt.of(member.key))\"",
                    fix: "the keys allowed \(context) are: \(known.joined(separator: ", "))")
            }
        }
    }

    private func format(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}

extension ConfigPath {
    /// The last key in the path (`anthropic_config`), skipping indices.
    var lastKeyName: String? {
        for component in components.reversed() {
            if case .key(let k) = component { return k }
        }
        return nil
    }
}
