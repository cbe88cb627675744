extension JSONValue {
    /// The value as JSON text, keys in their stored order; `pretty` indents by two spaces.
    ///
    /// Stable output (unlike Foundation's encoder on Linux, whose key order varies) so text can be compared.
    public func rendered(pretty: Bool = false) -> String {
        var out = ""
        write(to: &out, pretty: pretty, level: 0)
        return out
    }

    private func write(to out: inout String, pretty: Bool, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n.canonicalLiteral
        case .string(let s): out += JSONValue.quoted(s)
        case .array(let values):
            if values.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (i, v) in values.enumerated() {
                if i > 0 { out += "," }
                newline(&out, pretty: pretty, level: level + 1)
                v.write(to: &out, pretty: pretty, level: level + 1)
            }
            newline(&out, pretty: pretty, level: level)
            out += "]"
        case .object(let object):
            if object.members.isEmpty {
                out += "{}"
                return
            }
            out += "{"
            for (i, m) in object.members.enumerated() {
                if i > 0 { out += "," }
                newline(&out, pretty: pretty, level: level + 1)
                out += JSONValue.quoted(m.key)
                out += pretty ? ": " : ":"
                m.value.write(to: &out, pretty: pretty, level: level + 1)
            }
            newline(&out, pretty: pretty, level: level)
            out += "}"
        }
    }

    private func newline(_ out: inout String, pretty: Bool, level: Int) {
        guard pretty else { return }
        out += "\n"
        out += String(repeating: "  ", count: level)
    }

    /// `s` as a JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out = JSONBytes(capacity: s.utf8.count + 2)
        out.string(s)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { JSONObject.Member(key: $0.0, value: $0.1) }))
    }
}
