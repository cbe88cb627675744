import ABCore
import ABEngine
import ABProviders
import Foundation
import Testing

@Suite struct PromptFileTests {
    @Test func textFilesAreOnePromptALine() throws {
        let items = try PromptFile.parse("first prompt\n\n  second one  \r\nthird\n", format: .txt, file: "p.txt")
        #expect(items.map(\.text) == ["first prompt", "second one", "third"])
        #expect(items.map(\.id) == ["1", "3", "4"])
    }

    @Test func jsonlTakesPromptsOrMessagesWithIdsAndSessions() throws {
        let text = """
            {"prompt": "Hello", "id": "a", "session": "user-1"}
            {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"}], "id": 7}

            {"prompt": "With system", "system": "Answer in French."}
            """
        let items = try PromptFile.parse(text, format: .jsonl, file: "p.jsonl")
        #expect(items.count == 3)
        #expect(items[0] == PromptItem(id: "a", prompt: "Hello", session: "user-1"))
        #expect(items[1].id == "7" && items[1].messages.count == 2 && items[1].text == "Why?")
        #expect(items[2].messages.first == .system("Answer in French.") && items[2].id == "4")
    }

    @Test func everyBadJSONLineIsReportedWithItsNumber() {
        let text = """
            {"prompt": "fine"}
            not json
            {"prompt": ""}
            {"messages": [{"role": "robot", "content": "x"}]}
            {"text": "wrong key"}
            """
        do {
            _ = try PromptFile.parse(text, format: .jsonl, file: "p.jsonl")
            Issue.record("accepted bad lines")
        } catch {
            #expect(error.all.map(\.line) == [2, 3, 4, 5])
            #expect(error.description.contains("p.jsonl:2: not a JSON object"))
            #expect(error.description.contains("p.jsonl:4: messages[0].role must be system, user or assistant"))
        }
    }

    /// Issue 25: one JSON parser for prompt lines, configs and requests, with one set of rules: a trailing comma
    /// is read as in a config (JSONSerialization refused it), a broken line says where it broke.
    @Test func promptLinesAreReadByTheProjectsOneParser() throws {
        let lenient = try PromptFile.parse(#"{"prompt": "x",}"#, format: .jsonl, file: "p.jsonl")
        #expect(lenient.map(\.text) == ["x"])
        do {
            _ = try PromptFile.parse("{\"prompt\": \"fine\"}\n{\"prompt\": \"x\"\n", format: .jsonl, file: "p.jsonl")
            Issue.record("accepted an unclosed object")
        } catch {
            #expect(error.description.contains("p.jsonl:2: not a JSON object (column "), "\(error.description)")
        }
        let items = try PromptFile.parse(#"{"id": 7, "prompt": "seven", "session": "s"}"#, format: .jsonl, file: "p")
        #expect(items.map(\.id) == ["7"] && items[0].session == "s")
    }

    @Test func csvWithQuotesCommasAndLineBreaks() throws {
        let text = "id,prompt,session\r\n1,\"Hello, world\",s1\r\n2,\"Say \"\"hi\"\"\nthen stop\",\r\n3,plain,\r\n"
        let items = try PromptFile.parse(text, format: .csv, file: "p.csv")
        #expect(items.map(\.text) == ["Hello, world", "Say \"hi\"\nthen stop", "plain"])
        #expect(items[0].session == "s1" && items[1].session == nil)
        #expect(items.map(\.id) == ["1", "2", "3"])
    }

    @Test func csvNeedsAPromptColumn() {
        #expect(throws: PromptFile.Problems.self) {
            try PromptFile.parse("id,text\n1,x\n", format: .csv, file: "p.csv")
        }
        #expect(throws: PromptFile.Problems.self) {
            try PromptFile.parse("prompt\n\"\"\n", format: .csv, file: "p.csv")
        }
    }

    @Test func anEmptyFileIsAnError() {
        #expect(throws: PromptFile.Problems.self) { try PromptFile.parse("\n\n", format: .txt, file: "e.txt") }
    }

    @Test func thereAreEnoughVariedSamplePrompts() {
        #expect(SamplePrompts.items.count >= 40)
        #expect(Set(SamplePrompts.texts).count == SamplePrompts.texts.count)
    }

    /// The example of tools, JSON answers and expectations in a prompt file reads as written.
    @Test func theToolsExampleReads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../examples/prompts-tools.jsonl").path
        let items = try PromptFile.parse(try String(contentsOfFile: path, encoding: .utf8), format: .jsonl, file: path)
        #expect(items.map(\.id) == ["weather", "time", "film", "plain"])
        #expect(items[0].tools.map(\.name) == ["get_weather"] && items[0].expect?.tool == "get_weather")
        #expect(items[1].toolChoice == .function("get_time"))
        #expect(
            items[2].responseFormat?.schema?[key: "required"] == ["title", "year"] && items[2].expect?.json == true)
        #expect(items[3].expect?.contains == ["index"])
    }

    @Test func badToolsAndExpectationsNameTheLine() {
        let text = """
            {"prompt": "a", "tools": [{"type": "function", "function": {"name": "bad name"}}]}
            {"prompt": "b", "expect": {"tool": "nope"}}
            {"prompt": "c", "response_format": {"type": "xml"}}
            """
        do {
            _ = try PromptFile.parse(text, format: .jsonl, file: "p.jsonl")
            Issue.record("accepted")
        } catch {
            let all = error.description
            #expect(all.contains("p.jsonl:1") && all.contains("tools[0].function.name"), "\(all)")
            #expect(all.contains("p.jsonl:2") && all.contains("not among the line's tools"))
            #expect(all.contains("p.jsonl:3") && all.contains("response_format.type"))
        }
    }
}
