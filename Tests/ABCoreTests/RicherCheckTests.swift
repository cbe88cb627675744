import ABCore
import Foundation
import Testing

/// Issue 26, item 3: the richer checks of a prompt file's `expect`, and the JSON Schema validator against the
/// maintained Python `jsonschema` (Fixtures/schema.json, made by make_schema_fixtures.py).
@Suite struct RicherCheckTests {
    private func expectation(_ json: String) throws -> ABCore.Expectation {
        try ABCore.Expectation.parse(try JSONParser.parse(json)).get()
    }

    @Test func theSchemaValidatorAgreesWithPythonsJsonschemaOnEveryCase() throws {
        let fixtures = try Fixtures.json("schema.json")
        var checked = 0
        for c in fixtures["cases"].array {
            let name = try #require(c["schema"].stringValue)
            let schema = try JSONSchema(fixtures["schemas"][key: name] ?? .null)
            let failure = schema.validate(c["instance"])
            #expect(
                (failure == nil) == (c["valid"] == .bool(true)),
                "\(name) on \(c["instance"].rendered()): jsonschema says \(c["valid"].rendered()), abtop \(failure ?? "valid")"
            )
            checked += 1
        }
        #expect(checked > 500)
    }

    @Test func aSchemaWithAKeywordAbtopDoesNotCheckIsRefusedNotIgnored() {
        #expect(throws: JSONSchema.Problem.self) { try JSONSchema(["type": "string", "pattern": "^a"]) }
        #expect(throws: JSONSchema.Problem.self) { try JSONSchema(["$ref": "https://example.com/s.json"]) }
        #expect(throws: JSONSchema.Problem.self) { try JSONSchema(["type": "strings"]) }
        #expect((try? JSONSchema(["type": "string", "format": "email", "description": "ignored"])) != nil)
        // A schema nested without bound is refused, not recursed into.
        var deep: JSONValue = true
        for _ in 0..<200 { deep = ["items": deep] }
        #expect(throws: JSONSchema.Problem.self) { try JSONSchema(deep) }
    }

    @Test func notContainsRegexAndLengthBounds() throws {
        let e = try expectation(
            #"{"not_contains": ["sorry", "As an AI"], "regex": "^[A-Z].*\\d{4}$", "min_length": 10, "max_length": 40}"#)
        #expect(e.check(text: "Founded in 1998", calls: []).passed)
        #expect(e.check(text: "Sorry, founded in 1998", calls: []).reason.contains("\"sorry\" is in the answer"))
        #expect(e.check(text: "founded in 1998", calls: []).reason.contains("does not match"))
        #expect(e.check(text: "A 1998", calls: []).reason.contains("fewer than 10"))
        #expect(
            e.check(text: "A" + String(repeating: "x", count: 40) + " 1998", calls: []).reason.contains("more than 40"))
        let caseless = try expectation(#"{"regex": "paris", "ignore_case": true}"#)
        #expect(caseless.check(text: "The capital is PARIS.", calls: []).passed)
    }

    @Test func jsonSchemaChecksTheAnswerOrTheToolsArguments() throws {
        let schema = #"{"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}"#
        let text = try expectation(#"{"json_schema": \#(schema)}"#)
        #expect(text.check(text: #"{"city": "Paris"}"#, calls: []).passed)
        #expect(text.check(text: #"{"town": "Paris"}"#, calls: []).reason.contains("missing \"city\""))
        #expect(text.check(text: "Paris", calls: []).reason == "the answer is not JSON")
        let tool = try expectation(#"{"tool": "weather", "json_schema": \#(schema)}"#)
        #expect(
            tool.check(text: "", calls: [ToolCall(id: "1", name: "weather", arguments: #"{"city": "Oslo"}"#)]).passed)
        #expect(!tool.check(text: "", calls: [ToolCall(id: "1", name: "weather", arguments: #"{"city": 3}"#)]).passed)
    }

    @Test func badMembersAreNamed() {
        func problem(_ json: String) -> String {
            guard case .failure(let p) = ABCore.Expectation.parse((try? JSONParser.parse(json)) ?? .null) else {
                return ""
            }
            return p.message
        }
        #expect(problem(#"{"regex": "(a"}"#).hasPrefix("expect.regex: not a POSIX extended regular expression"))
        #expect(problem(#"{"regex": "(a)\\1"}"#).contains("back-references"))
        #expect(problem(#"{"min_length": 5, "max_length": 2}"#) == "expect.min_length is above expect.max_length")
        #expect(problem(#"{"ignore_case": true}"#).contains("with expect.regex"))
        #expect(problem(#"{"json_schema": {"pattern": "x"}}"#).contains("does not check \"pattern\""))
        #expect(problem(#"{"nope": 1}"#).contains("it takes tool, arguments, contains, not_contains, regex"))
    }

    /// A pattern that makes a backtracking matcher run for exponential time on a hostile answer is matched by
    /// glibc's automaton in linear time: this would not finish in the test's minute if it backtracked.
    @Test(.timeLimit(.minutes(1))) func aHostileAnswerCannotMakeAPatternRunForever() throws {
        let e = try expectation(#"{"regex": "^(a+)+$"}"#)
        let hostile = String(repeating: "a", count: 30_000) + "b"
        #expect(!e.check(text: hostile, calls: []).passed)
        let nested = try expectation(#"{"regex": "^(\\w+\\s?)*$"}"#)
        #expect(!nested.check(text: String(repeating: "word ", count: 5_000) + "!", calls: []).passed)
    }

    /// Review fixes: an answer checked for JSON is held to strict JSON; `multipleOf` at large quotients; a `$ref`
    /// typo refused at once; `uniqueItems` bounded; nested counted repeats refused.
    @Test func answersAreHeldToStrictJSONAndTheValidatorsEdgesHold() throws {
        let json = try expectation(#"{"json": true}"#)
        #expect(json.check(text: #"{"ok": true}"#, calls: []).passed)
        for lenient in [#"{'ok': true}"#, #"{"ok": True}"#, #"{"ok": true,}"#, "// c\n{}", #"x = {"ok": 1}"#] {
            #expect(!json.check(text: lenient, calls: []).passed, "\(lenient)")
        }
        let whole = try JSONSchema(["type": "number", "multipleOf": 1])
        #expect(whole.validate(.number(JSONNumber(1_000_000_000.5))) != nil)
        #expect(whole.validate(.number(JSONNumber(1_000_000_000))) == nil)
        #expect(throws: JSONSchema.Problem.self) { try JSONSchema(["$ref": "#/$defs/missing"]) }
        let unique = try JSONSchema(["uniqueItems": true])
        let many = JSONValue.array((0..<2_000).map { .number(JSONNumber($0)) })
        #expect(unique.validate(many)?.contains("too costly") == true, "2,000 items: 2 million comparisons refused")
        #expect(throws: (any Error).self) { try expectation(#"{"regex": "((a{50}){50}){50}"}"#) }
        #expect((try? expectation(#"{"regex": "^\\d{4}-\\d{2}$"}"#)) != nil, "small counts are fine")
    }
}
