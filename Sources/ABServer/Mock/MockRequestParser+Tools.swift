import ABCore
import Foundation

/// The tool and answer-shape fields of a request, on each wire, in the terms `MockRequest` keeps.
extension MockRequestParser {
    /// Fills `request`'s system prompt, tools, tool choice, tool-result turn and JSON wish from the body `o`.
    static func shape(_ request: inout MockRequest, _ o: JSONObject) {
        switch request.wire {
        case .openai, .cohere:
            request.system = (o["messages"]?.arrayValue ?? []).filter {
                ["system", "developer"].contains($0[key: "role"]?.stringValue ?? "")
            }.compactMap { $0[key: "content"]?.stringValue }.joined(separator: "\n")
            request.tools = (o["tools"]?.arrayValue ?? []).compactMap { t in
                t[key: "function"]?[key: "name"]?.stringValue.map {
                    MockRequest.Tool(name: $0, schema: t[key: "function"]?[key: "parameters"] ?? .object(JSONObject()))
                }
            }
            switch o["tool_choice"] {
            case "none"?, "NONE"?: request.toolChoice = .none
            case "required"?, "REQUIRED"?: request.toolChoice = .required
            case let v?:
                if let name = v[key: "function"]?[key: "name"]?.stringValue { request.toolChoice = .function(name) }
            case nil: break
            }
            request.answersToolResult = o["messages"]?.arrayValue?.last?[key: "role"]?.stringValue == "tool"
            let format = o["response_format"]
            request.wantsJSON = ["json_object", "json_schema"].contains(format?[key: "type"]?.stringValue ?? "")
            request.jsonSchema = format?[key: "json_schema"]?[key: "schema"] ?? format?[key: "json_schema"]
            if request.jsonSchema?.objectValue == nil { request.jsonSchema = nil }
        case .anthropic:
            request.system = o["system"]?.stringValue ?? ""
            request.tools = (o["tools"]?.arrayValue ?? []).compactMap { t in
                t[key: "name"]?.stringValue.map {
                    MockRequest.Tool(name: $0, schema: t[key: "input_schema"] ?? .object(JSONObject()))
                }
            }
            switch o["tool_choice"]?[key: "type"]?.stringValue {
            case "none": request.toolChoice = .none
            case "any": request.toolChoice = .required
            case "tool": request.toolChoice = .function(o["tool_choice"]?[key: "name"]?.stringValue ?? "")
            default: break
            }
            let last = o["messages"]?.arrayValue?.last?[key: "content"]?.arrayValue ?? []
            request.answersToolResult = last.contains { $0[key: "type"]?.stringValue == "tool_result" }
        case .bedrock:
            request.system = (o["system"]?.arrayValue ?? []).compactMap { $0[key: "text"]?.stringValue }.joined(
                separator: "\n")
            let config = o["toolConfig"]
            request.tools = (config?[key: "tools"]?.arrayValue ?? []).compactMap { t in
                t[key: "toolSpec"]?[key: "name"]?.stringValue.map {
                    MockRequest.Tool(
                        name: $0, schema: t[key: "toolSpec"]?[key: "inputSchema"]?[key: "json"] ?? .object(JSONObject())
                    )
                }
            }
            if config?[key: "toolChoice"]?[key: "any"] != nil { request.toolChoice = .required }
            if let name = config?[key: "toolChoice"]?[key: "tool"]?[key: "name"]?.stringValue {
                request.toolChoice = .function(name)
            }
            let last = o["messages"]?.arrayValue?.last?[key: "content"]?.arrayValue ?? []
            request.answersToolResult = last.contains { $0[key: "toolResult"] != nil }
        case .gemini:
            request.system = (o["systemInstruction"]?[key: "parts"]?.arrayValue ?? []).compactMap {
                $0[key: "text"]?.stringValue
            }.joined(separator: "\n")
            request.tools = (o["tools"]?.arrayValue ?? []).flatMap { t in
                (t[key: "functionDeclarations"]?.arrayValue ?? []).compactMap { f in
                    f[key: "name"]?.stringValue.map {
                        MockRequest.Tool(name: $0, schema: f[key: "parameters"] ?? .object(JSONObject()))
                    }
                }
            }
            let calling = o["toolConfig"]?[key: "functionCallingConfig"]
            switch calling?[key: "mode"]?.stringValue {
            case "NONE": request.toolChoice = .none
            case "ANY":
                request.toolChoice =
                    calling?[key: "allowedFunctionNames"]?[index: 0]?.stringValue.map { .function($0) } ?? .required
            default: break
            }
            let last = o["contents"]?.arrayValue?.last?[key: "parts"]?.arrayValue ?? []
            request.answersToolResult = last.contains { $0[key: "functionResponse"] != nil }
            let config = o["generationConfig"]
            request.wantsJSON = config?[key: "responseMimeType"]?.stringValue == "application/json"
            request.jsonSchema = config?[key: "responseSchema"]
        }
    }
}
