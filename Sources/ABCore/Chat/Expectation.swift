/// What a prompt's answer must be (a prompt file's `"expect"`): a call of a named tool, with given arguments, text
/// that contains given words, or JSON. Checked on every answer that arrived; a failed check is a wrong answer, not
/// an error (the request still succeeded).
public struct Expectation: Sendable, Equatable {
    /// The answer calls this function.
    public var tool: String?
    /// Among the call's arguments: each of these members, equal (a subset match, so extra arguments are fine).
    public var arguments: JSONObject?
    /// The answer's text contains each, ignoring case.
    public var contains: [String] = []
    /// The answer's text is a JSON object or array.
    public var json = false

    public init(tool: String? = nil, arguments: JSONObject? = nil, contains: [String] = [], json: Bool = false) {
        self.tool = tool
        self.arguments = arguments
        self.contains = contains
        self.json = json
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
        if json {
            let value = try? JSONParser.parse(text)
            guard value?.objectValue != nil || value?.arrayValue != nil else {
                return Check(passed: false, reason: "the answer is not JSON")
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

    /// Reads `"expect": {"tool", "arguments", "contains", "json"}`; a bad member is named.
    public static func parse(_ value: JSONValue) -> Result<Expectation, Problem> {
        guard let o = value.objectValue else { return .failure("\"expect\" must be an object") }
        var e = Expectation()
        for key in o.keys where !["tool", "arguments", "contains", "json"].contains(key) {
            return .failure("\"expect\" has no \"\(key)\": it takes tool, arguments, contains, json")
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
        switch o["contains"] {
        case nil: break
        case .string(let s)?: e.contains = [s]
        case .array(let list)? where list.allSatisfy({ $0.stringValue != nil }):
            e.contains = list.compactMap(\.stringValue)
        default: return .failure("expect.contains must be a string or a list of strings")
        }
        if let j = o["json"] {
            guard case .bool(let b) = j else { return .failure("expect.json must be true or false") }
            e.json = b
        }
        guard e.tool != nil || !e.contains.isEmpty || e.json else { return .failure("\"expect\" checks nothing") }
        return .success(e)
    }

    /// What is wrong with an `"expect"`, naming the member.
    public struct Problem: Error, Sendable, Equatable, ExpressibleByStringInterpolation {
        public let message: String
        public init(stringLiteral value: String) { message = value }
    }
}
