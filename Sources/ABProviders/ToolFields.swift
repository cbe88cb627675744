import ABCore

/// OpenAI's `tools`, `tool_choice` and `response_format` as a served request or a prompt file carries them,
/// checked; a bad one is a message that names the field.
public enum ToolFields {
    public struct Problem: Error, Sendable, Equatable {
        public let message: String
        init(_ message: String) { self.message = message }
    }

    /// At most this many tools per request (OpenAI's own limit).
    public static let maxTools = 128

    public static func tools(_ value: JSONValue) -> Result<[ToolDefinition], Problem> {
        guard let list = value.arrayValue else { return .failure(Problem("tools must be a list")) }
        guard list.count <= maxTools else { return .failure(Problem("at most \(maxTools) tools are allowed")) }
        var out: [ToolDefinition] = []
        for (i, t) in list.enumerated() {
            let type = t[key: "type"]?.stringValue ?? "function"
            guard type == "function", let f = t[key: "function"] else {
                return .failure(Problem("tools[\(i)] must be {\"type\": \"function\", \"function\": {...}}"))
            }
            guard let name = f[key: "name"]?.stringValue, isToolName(name) else {
                return .failure(
                    Problem("tools[\(i)].function.name must be 1-64 letters, digits, '_' or '-'"))
            }
            let parameters = f[key: "parameters"] ?? .object(JSONObject())
            guard parameters.objectValue != nil else {
                return .failure(Problem("tools[\(i)].function.parameters must be a JSON Schema object"))
            }
            out.append(
                ToolDefinition(name: name, description: f[key: "description"]?.stringValue, parameters: parameters))
        }
        return .success(out)
    }

    public static func choice(_ value: JSONValue, tools: [ToolDefinition]) -> Result<ToolChoice, Problem> {
        switch value {
        case "auto": return .success(.auto)
        case "none": return .success(.none)
        case "required": return .success(.required)
        default:
            guard let name = value[key: "function"]?[key: "name"]?.stringValue else {
                return .failure(
                    Problem(
                        "tool_choice must be \"auto\", \"none\", \"required\" or "
                            + "{\"type\": \"function\", \"function\": {\"name\": ...}}"))
            }
            guard tools.contains(where: { $0.name == name }) else {
                return .failure(Problem("tool_choice names \"\(name)\", which is not among the tools"))
            }
            return .success(.function(name))
        }
    }

    public static func responseFormat(_ value: JSONValue) -> Result<ResponseFormat, Problem> {
        switch value[key: "type"]?.stringValue {
        case "text": return .success(.text)
        case "json_object": return .success(.jsonObject)
        case "json_schema":
            guard let spec = value[key: "json_schema"], let schema = spec[key: "schema"], schema.objectValue != nil
            else {
                return .failure(Problem("response_format.json_schema.schema must be a JSON Schema object"))
            }
            var strict: Bool?
            if case .bool(let b)? = spec[key: "strict"] { strict = b }
            return .success(
                .jsonSchema(name: spec[key: "name"]?.stringValue ?? "response", schema: schema, strict: strict))
        default:
            return .failure(
                Problem("response_format.type must be \"text\", \"json_object\" or \"json_schema\""))
        }
    }

    public static func isToolName(_ s: String) -> Bool {
        (1...64).contains(s.count)
            && s.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
                    || $0 == "-"
            }
    }
}
