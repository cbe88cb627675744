import Testing

@testable import ABTUI

/// Wrapping is linear and stops at what is shown (issue 11, item 7: one 20 KB word froze the dashboard).
@Suite struct WrapTests {
    @Test func aLongWordIsBrokenIntoWholeLines() {
        let lines = Text.wrap("ab " + String(repeating: "x", count: 25) + " cd", 10)
        #expect(lines == ["ab", "xxxxxxxxxx", "xxxxxxxxxx", "xxxxx cd"])
    }

    @Test func paragraphsAndWideCharactersKeepTheirPlace() {
        #expect(Text.wrap("one two\n\nthree", 20) == ["one two", "", "three"])
        #expect(Text.wrap("漢字漢字漢字", 4) == ["漢字", "漢字", "漢字"])
        #expect(Text.wrap("a\r\nb", 5) == ["a", "b"])
    }

    @Test func aHugeAnswerCostsOnlyTheLinesShown() {
        let word = String(repeating: "y", count: 2_000_000)
        let lines = Text.wrap(word, 40, maxLines: 30)
        #expect(lines.count == 30 && lines.allSatisfy { $0.count == 40 })
        // The whole of it, when asked, is every piece once.
        let all = Text.wrap(String(repeating: "z", count: 20_000), 40)
        #expect(all.count == 500 && all.joined().count == 20_000)
    }
}
