import Foundation

/// A JSON Schema (Draft 2020-12) for checking answers (`expect.json_schema`): the keywords structured-output
/// schemas use — `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`, `items`,
/// `prefixItems`, `minItems`/`maxItems`, `uniqueItems`, `minLength`/`maxLength`, `minimum`/`maximum` and their
/// exclusive forms, `multipleOf`, `minProperties`/`maxProperties`, `allOf`/`anyOf`/`oneOf`/`not`, and `$ref` to
/// `#/$defs/…` — checked against the maintained Python `jsonschema` (`make_schema_fixtures.py`). No Swift package
/// in reach validates JSON Schema, so this is abtop's own, and it refuses a schema with a keyword it does not
/// implement (rather than pass answers it did not check). `format` and the annotation keywords are ignored, as
/// 2020-12 does by default.
public struct JSONSchema: Sendable, Equatable {
    public let root: JSONValue

    /// Keywords this validator reads; `format` and annotations are accepted and ignored.
    static let implemented: Set<String> = [
        "type", "enum", "const", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems",
        "maxItems", "uniqueItems", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minProperties", "maxProperties", "allOf", "anyOf", "oneOf", "not", "$ref",
        "$defs", "definitions",
    ]
    static let ignored: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "format", "deprecated",
        "readOnly", "writeOnly", "contentMediaType", "contentEncoding",
    ]
    /// A schema nested deeper than this is refused (a hostile prompt file cannot recurse without bound).
    static let maxDepth = 64

    /// The schema, or what about it this validator cannot check.
    public init(_ root: JSONValue) throws(Problem) {
        try Self.checkSchema(root, path: "json_schema", depth: 0)
        try Self.checkReferences(root, root: root)
        self.root = root
    }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    private static func checkSchema(_ s: JSONValue, path: String, depth: Int) throws(Problem) {
        guard depth <= maxDepth else { throw Problem(message: "\(path): nested more than \(maxDepth) deep") }
        switch s {
        case .bool: return
        case .object(let o):
            for m in o.members {
                let p = "\(path).\(m.key)"
                guard implemented.contains(m.key) || ignored.contains(m.key) else {
                    throw Problem(
                        message: "\(p): abtop does not check \"\(m.key)\" (it checks: "
                            + implemented.sorted().joined(separator: ", ") + ")")
                }
                switch m.key {
                case "properties", "$defs", "definitions":
                    guard let inner = m.value.objectValue else { throw Problem(message: "\(p) must be an object") }
                    for sub in inner.members {
                        try checkSchema(sub.value, path: "\(p).\(sub.key)", depth: depth + 1)
                    }
                case "additionalProperties", "items", "not":
                    try checkSchema(m.value, path: p, depth: depth + 1)
                case "prefixItems", "allOf", "anyOf", "oneOf":
                    guard let list = m.value.arrayValue, !list.isEmpty else {
                        throw Problem(message: "\(p) must be a non-empty array of schemas")
                    }
                    for (i, sub) in list.enumerated() { try checkSchema(sub, path: "\(p)[\(i)]", depth: depth + 1) }
                case "$ref":
                    guard let ref = m.value.stringValue,
                        ref.hasPrefix("#/$defs/") || ref.hasPrefix("#/definitions/") || ref == "#"
                    else { throw Problem(message: "\(p): only \"#/$defs/<name>\" references are followed") }
                case "type":
                    let names = m.value.arrayValue?.compactMap(\.stringValue) ?? m.value.stringValue.map { [$0] } ?? []
                    let known: Set = ["null", "boolean", "object", "array", "number", "integer", "string"]
                    guard !names.isEmpty, names.allSatisfy(known.contains) else {
                        throw Problem(message: "\(p) must name JSON types (\(known.sorted().joined(separator: ", ")))")
                    }
                case "required":
                    guard m.value.arrayValue?.allSatisfy({ $0.stringValue != nil }) == true else {
                        throw Problem(message: "\(p) must be an array of names")
                    }
                case "enum":
                    guard m.value.arrayValue != nil else { throw Problem(message: "\(p) must be an array") }
                case "minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties":
                    guard case .number(let n) = m.value, n.value >= 0, n.value.rounded() == n.value else {
                        throw Problem(message: "\(p) must be a whole number ≥ 0")
                    }
                case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf":
                    guard case .number(let n) = m.value, m.key != "multipleOf" || n.value > 0 else {
                        throw Problem(message: "\(p) must be a number\(m.key == "multipleOf" ? " > 0" : "")")
                    }
                case "uniqueItems":
                    guard case .bool = m.value else { throw Problem(message: "\(p) must be true or false") }
                default: break
                }
            }
        default:
            throw Problem(message: "\(path) must be a schema (an object, or true or false)")
        }
    }

    /// Every `$ref` names a schema that exists (a typo is refused here, not failed on every answer).
    private static func checkReferences(_ s: JSONValue, root: JSONValue) throws(Problem) {
        switch s {
        case .object(let o):
            for m in o.members {
                if m.key == "$ref", let ref = m.value.stringValue, resolve(ref, in: root) == nil {
                    throw Problem(message: "json_schema: \(ref) names no schema in $defs")
                }
                try checkReferences(m.value, root: root)
            }
        case .array(let a):
            for v in a { try checkReferences(v, root: root) }
        default: break
        }
    }

    /// Whether `value` is valid; if not, where and why, first failure only. A check that runs out of its work
    /// budget fails whole (a spent budget inside `not` or `oneOf` must not turn into a pass).
    public func validate(_ value: JSONValue) -> String? {
        var budget = 100_000
        let failure = Self.failure(value, root, at: "$", root: root, depth: 0, budget: &budget)
        return budget <= 0 ? "$: too costly to check (over \(100_000) steps)" : failure
    }

    /// The first reason `v` fails `s`, nil when it is valid. `budget` bounds the work on hostile input (a schema
    /// whose `$ref`s fan out): past it the answer counts as failing, said so.
    private static func failure(
        _ v: JSONValue, _ s: JSONValue, at path: String, root: JSONValue, depth: Int, budget: inout Int
    ) -> String? {
        budget -= 1
        guard budget > 0, depth <= maxDepth * 2 else { return "\(path): too deep or too costly to check" }
        guard case .object(let o) = s else { return s == .bool(false) ? "\(path): no value is allowed here" : nil }
        if let ref = o["$ref"]?.stringValue {
            guard let target = resolve(ref, in: root) else { return "\(path): \(ref) names no schema" }
            if let f = failure(v, target, at: path, root: root, depth: depth + 1, budget: &budget) { return f }
        }
        if let t = o["type"] {
            let names = t.arrayValue?.compactMap(\.stringValue) ?? t.stringValue.map { [$0] } ?? []
            if !names.contains(where: { isType(v, $0) }) {
                return "\(path): expected \(names.joined(separator: " or ")), found \(kind(v))"
            }
        }
        if let e = o["enum"]?.arrayValue, !e.contains(where: { equal($0, v) }) { return "\(path): not one of the enum" }
        if let c = o["const"], !equal(c, v) { return "\(path): not the const value" }
        for key in ["allOf", "anyOf", "oneOf"] {
            guard let list = o[key]?.arrayValue else { continue }
            var passed = 0
            var first: String?
            for sub in list {
                let f = failure(v, sub, at: path, root: root, depth: depth + 1, budget: &budget)
                if f == nil { passed += 1 } else if first == nil { first = f }
                if key == "allOf", let f { return f }
            }
            if key == "anyOf", passed == 0 { return first ?? "\(path): matches none of anyOf" }
            if key == "oneOf", passed != 1 { return "\(path): matches \(passed) of oneOf's schemas, not exactly one" }
        }
        if let n = o["not"], failure(v, n, at: path, root: root, depth: depth + 1, budget: &budget) == nil {
            return "\(path): matches what \"not\" excludes"
        }
        switch v {
        case .string(let text):
            let count = text.unicodeScalars.count
            if let m = whole(o["minLength"]), count < m { return "\(path): shorter than \(m) characters" }
            if let m = whole(o["maxLength"]), count > m { return "\(path): longer than \(m) characters" }
        case .number(let n):
            let x = n.value
            if let m = number(o["minimum"]), x < m { return "\(path): below \(fmt(m))" }
            if let m = number(o["maximum"]), x > m { return "\(path): above \(fmt(m))" }
            if let m = number(o["exclusiveMinimum"]), x <= m { return "\(path): not above \(fmt(m))" }
            if let m = number(o["exclusiveMaximum"]), x >= m { return "\(path): not below \(fmt(m))" }
            if let m = number(o["multipleOf"]), m > 0 {
                let q = x / m
                if !q.isFinite || abs(q - q.rounded()) > max(1e-9, 4 * q.ulp) {
                    return "\(path): not a multiple of \(fmt(m))"
                }
            }
        case .array(let items):
            if let m = whole(o["minItems"]), items.count < m { return "\(path): fewer than \(m) items" }
            if let m = whole(o["maxItems"]), items.count > m { return "\(path): more than \(m) items" }
            if o["uniqueItems"] == .bool(true) {
                for i in items.indices {
                    for j in items.indices where j > i {
                        // Every comparison is work: a long array cannot make this quadratic without bound.
                        budget -= 1
                        if budget <= 0 { return "\(path): too costly to check" }
                        if equal(items[i], items[j]) { return "\(path): items \(i) and \(j) are the same" }
                    }
                }
            }
            let prefix = o["prefixItems"]?.arrayValue ?? []
            for (i, item) in items.enumerated() {
                let sub: JSONValue? = i < prefix.count ? prefix[i] : o["items"]
                if let sub,
                    let f = failure(item, sub, at: "\(path)[\(i)]", root: root, depth: depth + 1, budget: &budget)
                {
                    return f
                }
            }
        case .object(let members):
            if let m = whole(o["minProperties"]), members.members.count < m {
                return "\(path): fewer than \(m) members"
            }
            if let m = whole(o["maxProperties"]), members.members.count > m { return "\(path): more than \(m) members" }
            for name in o["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                return "\(path): missing \"\(name)\""
            }
            let properties = o["properties"]?.objectValue
            for m in members.members {
                let sub: JSONValue? = properties?[m.key] ?? o["additionalProperties"]
                if let sub,
                    let f = failure(m.value, sub, at: "\(path).\(m.key)", root: root, depth: depth + 1, budget: &budget)
                {
                    return properties?[m.key] == nil && sub == .bool(false) ? "\(path): \"\(m.key)\" is not allowed" : f
                }
            }
        default: break
        }
        return nil
    }

    private static func resolve(_ ref: String, in root: JSONValue) -> JSONValue? {
        if ref == "#" { return root }
        let parts = ref.dropFirst(2).split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        return root[key: parts[0]]?[key: parts[1]]
    }

    private static func isType(_ v: JSONValue, _ name: String) -> Bool {
        switch (v, name) {
        case (.null, "null"), (.bool, "boolean"), (.object, "object"), (.array, "array"), (.string, "string"),
            (.number, "number"):
            return true
        case (.number(let n), "integer"): return n.value.isFinite && n.value.rounded() == n.value
        default: return false
        }
    }

    private static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "boolean"
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number(let n): n.value.rounded() == n.value ? "integer" : "number"
        }
    }

    /// JSON equality as JSON Schema means it: numbers by value (`3` is `3.0`), objects by members in any order.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x.value == y.value
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.members.count == y.members.count
                && x.members.allSatisfy { m in y[m.key].map { equal(m.value, $0) } ?? false }
        default: return a == b
        }
    }

    private static func whole(_ v: JSONValue?) -> Int? {
        guard case .number(let n)? = v, n.value >= 0, n.value < 1e15 else { return nil }
        return Int(n.value)
    }

    private static func number(_ v: JSONValue?) -> Double? {
        guard case .number(let n)? = v else { return nil }
        return n.value
    }

    private static func fmt(_ x: Double) -> String { x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : String(x) }
}
