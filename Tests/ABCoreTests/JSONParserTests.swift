import ABCore
import Testing

@Suite struct JSONParserTests {
    @Test func strictJSONKeepsKeyOrderAndLiterals() throws {
        let v = try JSONParser.parse(#"{"b": 1, "a": [true, null, 2.50, -3e2, "x\u00e9\n"]}"#)
        guard case .object(let o) = v else { Issue.record("not an object"); return }
        #expect(o.keys == ["b", "a"])
        guard case .array(let a) = o["a"]! else { Issue.record("not an array"); return }
        #expect(a[0] == .bool(true) && a[1] == .null)
        guard case .number(let n) = a[2], case .number(let m) = a[3] else { Issue.record("not numbers"); return }
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
