/// What a prompt's answer must be (a prompt file's `"expect"`): a call of a named tool, with given arguments; text
/// that contains given words and none of others, matches a pattern, has a length within bounds; JSON, or JSON that
/// validates against a schema. Checked on every answer that arrived; a failed check is a wrong answer, not an error
/// (the request still succeeded).
public struct Expectation: Sendable, Equatable {
    /// The answer calls this function.
    public var tool: String?
    /// Among the call's arguments: each of these members, equal (a subset match, so extra arguments are fine).
    public var arguments: JSONObject?
    /// The answer's text contains each, ignoring case.
    public var contains: [String] = []
    /// The answer's text is a JSON object or array.
    public var json = false
    /// The answer's text contains none of these, ignoring case.
    public var notContains: [String] = []
    /// The pattern occurs in the answer's text (`PosixRegex`: POSIX ERE; anchor it to match the whole).
    public var regex: PosixRegex?
    /// The answer's text parses as JSON that validates against this schema; with `tool`, the call's arguments do.
    public var jsonSchema: JSONSchema?
    /// Bounds on the answer's length in characters.
    public var minLength: Int?
    public var maxLength: Int?

    public init(tool: String? = nil, arguments: JSONObject? = nil, contains: [String] = [], json: Bool = false) {
        self.tool = tool
        self.arguments = arguments
        self.contains = contains
        self.json = json
    }

    public static func == (a: Expectation, b: Expectation) -> Bool {
        a.tool == b.tool && a.arguments == b.arguments && a.contains == b.contains && a.json == b.json
            && a.notContains == b.notContains && a.regex?.pattern == b.regex?.pattern
            && a.regex?.ignoreCase == b.regex?.ignoreCase && a.jsonSchema == b.jsonSchema && a.minLength == b.minLength
            && a.maxLength == b.maxLength
    }

    /// How one answer fared.
    public struct Check: Sendable, Equatable {
        public var passed: Bool
        /// What failed, in a few words; empty when it passed.
        public var reason: String

        public init(passed: Bool, reason: String) {
            self.passed = passed
            self.reason = reason
        }
    }

    public func check(text: String, calls: [ToolCall]) -> Check {
        if let tool {
            guard let call = calls.first(where: { $0.name == tool }) else {
                let made = calls.map(\.name)
                return Check(
                    passed: false,
                    reason: made.isEmpty ? "no call of \(tool)" : "called \(made.joined(separator: ", ")), not \(tool)")
            }
            if let arguments {
                let given = call.argumentsObject.objectValue ?? JSONObject()
                for member in arguments.members where !Self.matches(given[member.key], member.value) {
                    return Check(passed: false, reason: "\(tool).\(member.key) is not \(member.value.rendered())")
                }
            }
        }
        let folded = text.lowercased()
        for word in contains where !folded.contains(word.lowercased()) {
            return Check(passed: false, reason: "no \"\(word)\" in the answer")
        }
        for word in notContains where folded.contains(word.lowercased()) {
            return Check(passed: false, reason: "\"\(word)\" is in the answer")
        }
        if let regex, !regex.matches(text) {
            return Check(passed: false, reason: "the answer does not match /\(regex.pattern)/")
        }
        let length = text.count
        if let minLength, length < minLength {
            return Check(passed: false, reason: "\(length) characters, fewer than \(minLength)")
        }
        if let maxLength, length > maxLength {
            return Check(passed: false, reason: "\(length) characters, more than \(maxLength)")
        }
        if json {
            let value = try? JSONParser.parseStrict(text)
            guard value?.objectValue != nil || value?.arrayValue != nil else {
                return Check(passed: false, reason: "the answer is not JSON")
            }
        }
        if let jsonSchema {
            let subject: JSONValue?
            if let tool {
                subject = calls.first { $0.name == tool }?.argumentsObject
            } else {
                subject = try? JSONParser.parseStrict(String(text.prefix(1 << 20)))
            }
            guard let subject else { return Check(passed: false, reason: "the answer is not JSON") }
            if let failure = jsonSchema.validate(subject) {
                return Check(passed: false, reason: "schema: \(Excerpt.of(failure))")
            }
        }
        return Check(passed: true, reason: "")
    }

    /// Whether `given` is `expected` as JSON means it: numbers by value (`5` is `5.0`), objects by their members in
    /// any order, with more members allowed (a subset, as at the top level), arrays element by element.
    static func matches(_ given: JSONValue?, _ expected: JSONValue) -> Bool {
        switch (given, expected) {
        case (.number(let a)?, .number(let b)): return a.value == b.value
        case (.object(let a)?, .object(let b)): return b.members.allSatisfy { matches(a[$0.key], $0.value) }
        case (.array(let a)?, .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { matches($0, $1) }
        case (let a?, let b): return a == b
        case (nil, _): return false
        }
    }

    static let keys = [
        "tool", "arguments", "contains", "not_contains", "regex", "ignore_case", "json", "json_schema", "min_length",
        "max_length",
    ]

    /// Reads `"expect": {"tool", "arguments", "contains", "not_contains", "regex", "ignore_case", "json",
    /// "json_schema", "min_length", "max_length"}`; a bad member is named.
    public static func parse(_ value: JSONValue) -> Result<Expectation, Problem> {
        guard let o = value.objectValue else { return .failure("\"expect\" must be an object") }
        var e = Expectation()
        for key in o.keys where !keys.contains(key) {
            return .failure("\"expect\" has no \"\(Excerpt.of(key))\": it takes \(keys.joined(separator: ", "))")
        }
        if let t = o["tool"] {
            guard let name = t.stringValue, !name.isEmpty else { return .failure("expect.tool must be a name") }
            e.tool = name
        }
        if let a = o["arguments"] {
            guard let object = a.objectValue, e.tool != nil else {
                return .failure("expect.arguments must be an object, with expect.tool")
            }
            e.arguments = object
        }
        for (key, path) in [("contains", \Expectation.contains), ("not_contains", \Expectation.notContains)] {
            switch o[key] {
            case nil: break
            case .string(let s)?: e[keyPath: path] = [s]
            case .array(let list)? where list.allSatisfy({ $0.stringValue != nil }):
                e[keyPath: path] = list.compactMap(\.stringValue)
            default: return .failure("expect.\(key) must be a string or a list of strings")
            }
        }
        var ignoreCase = false
        if let i = o["ignore_case"] {
            guard case .bool(let b) = i, o["regex"] != nil else {
                return .failure("expect.ignore_case must be true or false, with expect.regex")
            }
            ignoreCase = b
        }
        if let r = o["regex"] {
            guard let pattern = r.stringValue else { return .failure("expect.regex must be a pattern (a string)") }
            do {
                e.regex = try PosixRegex(pattern, ignoreCase: ignoreCase)
            } catch {
                return .failure("expect.regex: \(error.message)")
            }
        }
        if let s = o["json_schema"] {
            do {
                e.jsonSchema = try JSONSchema(s)
            } catch {
                return .failure("expect.\(error.message)")
            }
        }
        for (key, path) in [("min_length", \Expectation.minLength), ("max_length", \Expectation.maxLength)] {
            guard let v = o[key] else { continue }
            guard let n = v.intValue, n >= 0 else { return .failure("expect.\(key) must be a whole number ≥ 0") }
            e[keyPath: path] = n
        }
        if let lo = e.minLength, let hi = e.maxLength, lo > hi {
            return .failure("expect.min_length is above expect.max_length")
        }
        if let j = o["json"] {
            guard case .bool(let b) = j else { return .failure("expect.json must be true or false") }
            e.json = b
        }
        guard
            e.tool != nil || !e.contains.isEmpty || e.json || !e.notContains.isEmpty || e.regex != nil
                || e.jsonSchema != nil || e.minLength != nil || e.maxLength != nil
        else { return .failure("\"expect\" checks nothing") }
        return .success(e)
    }

    /// What is wrong with an `"expect"`, naming the member.
    public struct Problem: Error, Sendable, Equatable, ExpressibleByStringInterpolation {
        public let message: String
        public init(stringLiteral value: String) { message = value }
    }
}
