import ABCore

/// JSON the simulated models answer with: a value matching a schema (a tool's arguments, a structured answer),
/// filled from the answer's own words, and cut into stream-sized pieces.
enum MockJSON {
    /// A value of `schema`'s shape: objects with every property (required ones first), strings from `words`,
    /// the first of an `enum`, numbers and booleans fixed. Depth is bounded (a hostile schema cannot recurse).
    static func value(for schema: JSONValue, words: [String], depth: Int = 0) -> JSONValue {
        let text = words.joined().split(separator: " ").prefix(6).joined(separator: " ")
        guard depth < 8, let o = schema.objectValue else { return .string(text) }
        if let options = o["enum"]?.arrayValue, let first = options.first { return first }
        let type = o["type"]?.stringValue ?? (o["properties"] != nil ? "object" : "string")
        switch type {
        case "object":
            var out = JSONObject()
            for member in (o["properties"]?.objectValue?.members ?? []).prefix(32) {
                out[member.key] = value(for: member.value, words: words, depth: depth + 1)
            }
            return .object(out)
        case "array":
            return .array([value(for: o["items"] ?? "string", words: words, depth: depth + 1)])
        case "integer": return .number(JSONNumber(42))
        case "number": return .number(JSONNumber(3.5))
        case "boolean": return .bool(true)
        case "null": return .null
        default: return .string(text.isEmpty ? "simulated" : text)
        }
    }

    /// `json` in pieces of about a word each, as models stream arguments.
    static func pieces(_ json: String) -> [String] {
        var out: [String] = []
        var current = ""
        for c in json {
            current.append(c)
            if current.count >= 6 && (c == "," || c == " " || c == ":") {
                out.append(current)
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
