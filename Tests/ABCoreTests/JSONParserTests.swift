import ABCore
import Foundation
import Testing

@Suite struct JSONParserTests {
    @Test func strictJSONKeepsKeyOrderAndLiterals() throws {
        let v = try JSONParser.parse(#"{"b": 1, "a": [true, null, 2.50, -3e2, "x\u00e9\n"]}"#)
        guard case .object(let o) = v else {
            Issue.record("not an object")
            return
        }
        #expect(o.keys == ["b", "a"])
        guard case .array(let a) = o["a"]! else {
            Issue.record("not an array")
            return
        }
        #expect(a[0] == .bool(true) && a[1] == .null)
        guard case .number(let n) = a[2], case .number(let m) = a[3] else {
            Issue.record("not numbers")
            return
        }
        #expect(n.literal == "2.50" && n.wholeValue == nil)
        #expect(m.value == -300 && m.wholeValue == -300)
        #expect(a[4] == .string("xé\n"))
    }

    @Test func acceptsWhatPeoplePasteFromPython() throws {
        let text = """
            config = {
                # a comment
                "on": True, 'off': False, "none": None,  // another
                /* block */ "list": [1, 2,],
            }
            """
        let v = try JSONParser.parse(text)
        #expect(v == ["on": true, "off": false, "none": nil, "list": [1, 2]])
    }

    @Test func keepsDuplicateKeysForValidation() throws {
        guard case .object(let o) = try JSONParser.parse(#"{"a": 1, "a": 2}"#) else { return }
        #expect(o.members.count == 2)
    }

    @Test func surrogatePairsDecode() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test(arguments: [
        (#"{"a": 1"#, 1, 8, "expected '}'"),
        ("{\n  \"a\" 1}", 2, 7, "expected ':'"),
        (#"{"a": tru}"#, 1, 10, "unexpected word 'tru'"),
        ("[1, 2] 3", 1, 8, "unexpected text after"),
        ("{\"a\": \"x\n\"}", 1, 9, "line break inside a string"),
    ])
    func syntaxErrorsCarryLineAndColumn(text: String, line: Int, column: Int, message: String) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("parsed \(text)")
        } catch {
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test func renderingRoundTrips() throws {
        let text = #"{"name":"x \"q\"","n":[1,2.5,null,true],"o":{}}"#
        let v = try JSONParser.parse(text)
        #expect(v.rendered() == text)
        #expect(try JSONParser.parse(v.rendered(pretty: true)) == v)
    }
}

/// Selective parsing (`parse(utf8:keeping:)`) builds exactly the kept members of the full parse.
@Suite struct SelectiveJSONParserTests {
    static let kept = ["content", "usage", "text", "a"]

    /// A random document: objects with kept and other keys, arrays, strings with escapes, numbers, literals.
    func random(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        let pick = depth > 3 ? rng.below(4) : rng.below(6)
        switch pick {
        case 0: return .string(["plain", "with \"quote\"", "back\\slash", "brace { ] ,", "ünï €"][rng.below(5)])
        case 1: return .number(JSONNumber([0, -1.5, 1e-3, 42][rng.below(4)]))
        case 2: return [.null, .bool(true), .bool(false)][rng.below(3)]
        case 3: return .string("")
        case 4: return .array((0..<rng.below(4)).map { _ in random(&rng, depth: depth + 1) })
        default:
            let keys = Self.kept + ["id", "model", "choices_x", "b"]
            var object = JSONObject()
            for _ in 0..<rng.below(5) { object[keys[rng.below(keys.count)]] = random(&rng, depth: depth + 1) }
            return .object(object)
        }
    }

    func pruned(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o):
            .object(
                JSONObject(
                    o.members.filter { Self.kept.contains($0.key) }.map { .init(key: $0.key, value: pruned($0.value)) })
            )
        case .array(let a): .array(a.map(pruned))
        default: v
        }
    }

    @Test func keptMembersMatchTheFullParse() throws {
        var rng = SplitMix64(seed: 99)
        let keys = JSONKeySet(Self.kept)
        for _ in 0..<500 {
            let doc = random(&rng, depth: 0)
            let text = doc.rendered(pretty: rng.below(2) == 0)
            let full = try JSONParser.parse(utf8: Array(text.utf8))
            let selective = try JSONParser.parse(utf8: Array(text.utf8), keeping: keys)
            #expect(selective == pruned(full), "\(text)")
        }
    }

    @Test func brokenDocumentsStillFailInSkippedParts() {
        let keys = JSONKeySet(["content"])
        for text in [
            #"{"id": "abc"#, #"{"id": {"x": [1, 2}, "content": "ok"}"#, #"{"id": [1, 2, "content": "x"}"#,
            #"{"choices":[{"index":0,"delta":{"content":"#, #"{"id" 1}"#,
        ] {
            #expect(throws: JSONParser.SyntaxError.self, "\(text)") {
                try JSONParser.parse(utf8: Array(text.utf8), keeping: keys)
            }
        }
    }
}

@Suite struct JSONBytesTests {
    /// Every control character, quotes, backslashes and non-ASCII text come back unchanged through a parser.
    @Test func stringsRoundTrip() throws {
        let controls = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        for s in ["", "plain", "say \"hi\"", "back\\slash\\", controls, "tab\tnew\nline\r", "ünï €🌍 中文", "\u{7f}"] {
            var out = JSONBytes()
            out.string(s)
            let text = String(decoding: out.bytes, as: UTF8.self)
            #expect(try JSONParser.parse(text) == .string(s), "\(text)")
            let foundation =
                try JSONSerialization.jsonObject(with: Data(out.bytes), options: .fragmentsAllowed) as? String
            #expect(foundation == s)
        }
    }
}
