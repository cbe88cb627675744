/// A JSON document as written, keeping key order and number literals.
///
/// Config validation needs what Foundation's decoders throw away: the order of keys (errors list in file order),
/// duplicate keys (a mistake worth naming), and whether `50` was written as `50` or `50.0` (percentages must be
/// whole numbers).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A short name of the value's type for error messages ("a string", "an object").
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var intValue: Int? {
        if case .number(let n) = self { return n.wholeValue }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The member `key` of an object (nil for anything else).
    public subscript(key key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The element `index` of an array (nil when out of range or not an array).
    public subscript(index index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }
}

/// A number with the literal it was written as.
public struct JSONNumber: Sendable, Equatable {
    public let literal: String
    public let value: Double

    public init(literal: String, value: Double) {
        self.literal = literal
        self.value = value
    }

    public init(_ value: Int) {
        self.init(literal: String(value), value: Double(value))
    }

    public init(_ value: Double) {
        self.init(literal: value.isFinite ? "\(value)" : "null", value: value)
    }

    /// The value as an `Int` when it is mathematically whole (`50`, `50.0`, `5e1`) and exact in a double, else nil.
    public var wholeValue: Int? {
        guard value.rounded() == value, abs(value) < 9e15 else { return nil }
        return Int(value)
    }

    /// The literal as written when short, else its first characters: for error messages about hostile input.
    public var shortLiteral: String {
        literal.utf8.count <= 32 ? literal : String(literal.prefix(24)) + "…"
    }

    /// Whether `literal` is a number as strict JSON (RFC 8259) writes it: no leading zeros, no `+`, no bare `.`.
    public var isCanonicalLiteral: Bool {
        var bytes = literal.utf8[...]
        func digits() -> Int {
            let n = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            bytes = bytes.dropFirst(n)
            return n
        }
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: "0") {
            bytes = bytes.dropFirst()
        } else if digits() == 0 {
            return false
        }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits() > 0 else { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }

    /// Text that is always valid JSON: the literal when it is strict JSON, else the value written anew
    /// (`050` → `50`, `.5` → `0.5`), so a lenient read never leads to invalid JSON out.
    public var canonicalLiteral: String {
        if isCanonicalLiteral { return literal }
        if let whole = wholeValue { return String(whole) }
        return value.isFinite ? "\(value)" : "null"
    }
}

/// An object's members in the order they were written; duplicate keys are kept so validation can name them.
public struct JSONObject: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public let key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public var members: [Member]

    public init(_ members: [Member] = []) {
        self.members = members
    }

    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.members = pairs.map { Member(key: $0.key, value: $0.value) }
    }

    public var keys: [String] { members.map(\.key) }

    /// The first value under `key`.
    public subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            if let i = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }
}
