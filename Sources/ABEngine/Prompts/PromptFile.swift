import ABCore
import ABProviders
import Foundation

/// Reads prompt files: `.txt` (one prompt a line), `.jsonl` (`{"prompt": …}` or `{"messages": […]}`, optional
/// `id`, `session`, `system`), `.csv` (a `prompt` column; optional `id`, `session`, `system`). Every bad line is
/// reported with its line number.
public enum PromptFile {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let file: String
        public let line: Int?
        public let message: String

        public var description: String {
            line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
        }
    }

    public enum Format: String, Sendable, CaseIterable {
        case txt, jsonl, csv
    }

    /// Loads `path`, choosing the format by its extension (`.json` lines count as `.jsonl`).
    public static func load(_ path: String) throws(Problems) -> [PromptItem] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problems([Problem(file: path, line: nil, message: "cannot read the file")])
        }
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        let format: Format =
            switch ext {
            case "jsonl", "ndjson", "json": .jsonl
            case "csv": .csv
            default: .txt
            }
        return try parse(String(decoding: data, as: UTF8.self), format: format, file: path)
    }

    /// All problems of a file at once.
    public struct Problems: Error, Sendable, CustomStringConvertible {
        public let all: [Problem]
        public init(_ all: [Problem]) { self.all = all }
        public var description: String { all.map(\.description).joined(separator: "\n") }
    }

    public static func parse(_ text: String, format: Format, file: String) throws(Problems) -> [PromptItem] {
        var problems: [Problem] = []
        let items: [PromptItem]
        switch format {
        case .txt:
            items = lines(text).compactMap { number, line -> PromptItem? in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                return trimmed.isEmpty ? nil : PromptItem(id: "\(number)", prompt: trimmed)
            }
        case .jsonl:
            items = lines(text).compactMap { number, line -> PromptItem? in
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
                switch jsonLine(line, number: number) {
                case .success(let item): return item
                case .failure(let error):
                    problems.append(Problem(file: file, line: number, message: error.message))
                    return nil
                }
            }
        case .csv:
            items = csv(text, file: file, problems: &problems)
        }
        if problems.isEmpty && items.isEmpty {
            problems.append(Problem(file: file, line: nil, message: "no prompts in the file"))
        }
        guard problems.isEmpty else { throw Problems(problems) }
        return items
    }

    private static func lines(_ text: String) -> [(Int, String)] {
        // "\r\n" is one Character in Swift, so split on every newline character, not on "\n".
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .enumerated().map { i, line in (i + 1, String(line)) }
    }

    private struct LineError: Error {
        let message: String
    }

    /// One line, read by the project's one JSON parser (the same rules as configs and requests: one syntax, one
    /// set of limits), then its fields.
    private static func jsonLine(_ line: String, number: Int) -> Result<PromptItem, LineError> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            return .failure(LineError(message: "not a JSON object (column \(error.column): \(error.message))"))
        }
        guard let object = value.objectValue else { return .failure(LineError(message: "not a JSON object")) }
        return messagesLine(object, number: number).flatMap { shaped($0, object) }
    }

    /// The line's `tools`, `tool_choice`, `response_format` (as OpenAI takes them) and `expect`.
    private static func shaped(_ item: PromptItem, _ o: JSONObject) -> Result<PromptItem, LineError> {
        var item = item
        if let v = o["tools"], v != .null {
            switch ToolFields.tools(v) {
            case .success(let tools): item.tools = tools
            case .failure(let p): return .failure(LineError(message: p.message))
            }
        }
        if let v = o["tool_choice"], v != .null {
            switch ToolFields.choice(v, tools: item.tools) {
            case .success(let c): item.toolChoice = c
            case .failure(let p): return .failure(LineError(message: p.message))
            }
        }
        if let v = o["response_format"], v != .null {
            switch ToolFields.responseFormat(v) {
            case .success(let f): item.responseFormat = f
            case .failure(let p): return .failure(LineError(message: p.message))
            }
        }
        if let v = o["expect"], v != .null {
            switch Expectation.parse(v) {
            case .success(let e):
                if let tool = e.tool, !item.tools.contains(where: { $0.name == tool }) {
                    return .failure(LineError(message: "expect.tool \"\(tool)\" is not among the line's tools"))
                }
                item.expect = e
            case .failure(let p): return .failure(LineError(message: p.message))
            }
        }
        return .success(item)
    }

    private static func messagesLine(_ object: JSONObject, number: Int) -> Result<PromptItem, LineError> {
        let id = object["id"]?.stringValue ?? object["id"]?.intValue.map(String.init) ?? "\(number)"
        let session = object["session"]?.stringValue
        if let prompt = object["prompt"]?.stringValue {
            guard !prompt.isEmpty else { return .failure(LineError(message: "\"prompt\" is empty")) }
            return .success(
                PromptItem(id: id, prompt: prompt, system: object["system"]?.stringValue, session: session))
        }
        if let raw = object["messages"] {
            guard let list = raw.arrayValue, !list.isEmpty, list.allSatisfy({ $0.objectValue != nil }) else {
                return .failure(LineError(message: "\"messages\" must be a non-empty array of {\"role\", \"content\"}"))
            }
            var messages: [ChatMessage] = []
            for (i, m) in list.enumerated() {
                guard let roleText = m[key: "role"]?.stringValue, let role = ChatMessage.Role(rawValue: roleText) else {
                    return .failure(LineError(message: "messages[\(i)].role must be system, user or assistant"))
                }
                guard let content = m[key: "content"]?.stringValue else {
                    return .failure(LineError(message: "messages[\(i)].content must be a string"))
                }
                messages.append(ChatMessage(role: role, content: content))
            }
            guard messages.contains(where: { $0.role == .user }) else {
                return .failure(LineError(message: "\"messages\" has no user message"))
            }
            return .success(PromptItem(id: id, messages: messages, session: session))
        }
        return .failure(LineError(message: "expected \"prompt\" or \"messages\""))
    }

    private static func csv(_ text: String, file: String, problems: inout [Problem]) -> [PromptItem] {
        let rows = CSV.rows(text)
        guard let header = rows.first else { return [] }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let promptColumn = names.firstIndex(of: "prompt") else {
            problems.append(
                Problem(
                    file: file, line: header.line,
                    message: "no \"prompt\" column (columns: \(names.joined(separator: ", ")))"))
            return []
        }
        func column(_ name: String, _ row: CSV.Row) -> String? {
            guard let i = names.firstIndex(of: name), i < row.fields.count, !row.fields[i].isEmpty else { return nil }
            return row.fields[i]
        }
        var items: [PromptItem] = []
        for row in rows.dropFirst() {
            if row.fields.count == 1 && row.fields[0].isEmpty { continue }
            guard promptColumn < row.fields.count, !row.fields[promptColumn].isEmpty else {
                problems.append(Problem(file: file, line: row.line, message: "the prompt is empty"))
                continue
            }
            items.append(
                PromptItem(
                    id: column("id", row) ?? "\(row.line)", prompt: row.fields[promptColumn],
                    system: column("system", row), session: column("session", row)))
        }
        return items
    }
}

/// RFC 4180 CSV: quoted fields with `""` escapes, commas and line breaks inside quotes.
enum CSV {
    struct Row {
        var fields: [String]
        /// The line the row starts on.
        var line: Int
    }

    static func rows(_ text: String) -> [Row] {
        var rows: [Row] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var rowLine = 1
        var chars = Array(text).makeIterator()
        var pending: Character? = chars.next()
        while let c = pending {
            pending = chars.next()
            if quoted {
                if c == "\"" {
                    if pending == "\"" {
                        field.append("\"")
                        pending = chars.next()
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                fields.append(field)
                field = ""
            case "\n", "\r\n", "\r":
                fields.append(field)
                rows.append(Row(fields: fields, line: rowLine))
                fields = []
                field = ""
                line += 1
                rowLine = line
            default: field.append(c)
            }
        }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            rows.append(Row(fields: fields, line: rowLine))
        }
        return rows
    }
}
