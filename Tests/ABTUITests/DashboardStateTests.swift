import ABCore
import Foundation
import Testing

@testable import ABTUI

@Suite struct DashboardStateTests {
    let frame = FrameFixture.frame()

    /// The fixture's frame `seconds` later (the slider's rest is measured on the session's clock).
    func later(_ frame: DashboardFrame, _ seconds: Double) -> DashboardFrame {
        FrameFixture.frame(time: frame.snapshot.time + seconds)
    }

    @Test func slidersMoveBy1AndBy5AndKeepTheSum() {
        var state = DashboardState()
        #expect(state.handle(.right, frame: frame, themeCount: 1).isEmpty)
        #expect(state.slider?.weights == Weights([61, 39])!)
        _ = state.handle(.shiftRight, frame: frame, themeCount: 1)
        #expect(state.slider?.weights == Weights([66, 34])!)
        _ = state.handle(.pageDown, frame: frame, themeCount: 1)
        #expect(state.slider?.weights == Weights([61, 39])!)
        _ = state.handle(.down, frame: frame, themeCount: 1)
        #expect(state.selected == 1)
        _ = state.handle(.left, frame: frame, themeCount: 1)
        #expect(state.slider?.weights == Weights([62, 38])!)
    }

    /// Issue 24, item 13: a run of slider presses is one split epoch, sent when the slider rests.
    @Test func aSplitAppliesOnceTheSliderRests() {
        var state = DashboardState()
        for _ in 0..<5 { _ = state.handle(.right, frame: frame, themeCount: 1) }
        #expect(state.tick(later(frame, 0.3)).isEmpty, "still moving")
        _ = state.handle(.right, frame: later(frame, 0.5), themeCount: 1)
        #expect(state.tick(later(frame, 1.0)).isEmpty, "moved again 0.5 s ago")
        #expect(state.tick(later(frame, 1.4)) == [.setWeights(Weights([66, 34])!)])
        #expect(state.slider == nil && state.tick(later(frame, 3)).isEmpty, "sent once")
        // Back to where it was: nothing to send.
        _ = state.handle(.right, frame: frame, themeCount: 1)
        _ = state.handle(.left, frame: frame, themeCount: 1)
        #expect(state.tick(later(frame, 2)).isEmpty)
        // Quitting while a slider moves applies it first.
        _ = state.handle(.right, frame: frame, themeCount: 1)
        #expect(state.handle(.char("q"), frame: frame, themeCount: 1) == [.setWeights(Weights([61, 39])!)])
    }

    /// Keys typed faster than frames are handled in one batch against one frame: each key must see what the one
    /// before it did (five → from 60/40 is 65/35, not five times 61/39; c twice is back to split).
    @Test func aBatchOfKeysBuildsOnItself() {
        var state = DashboardState()
        var frame = self.frame
        var sent: [DashboardCommand] = []
        for key in [Key.right, .right, .right, .right, .right, .char("c"), .char("c"), .char(" ")] {
            for command in state.handle(key, frame: frame, themeCount: 1) {
                sent.append(command)
                frame.apply(command)
            }
        }
        for command in state.tick(later(frame, 1)) {
            sent.append(command)
            frame.apply(command)
        }
        #expect(frame.snapshot.epoch.weights == Weights([65, 35])!)
        #expect(
            sent == [.setCompareMode(true), .setCompareMode(false), .setPaused(true), .setWeights(Weights([65, 35])!)])
        #expect(frame.mode == .split && frame.paused)
    }

    @Test func pauseRateCompareThemeQuit() {
        var state = DashboardState()
        #expect(state.handle(.char(" "), frame: frame, themeCount: 1) == [.setPaused(true)])
        #expect(state.handle(.char("+"), frame: frame, themeCount: 1) == [.scaleRate(1.25)])
        #expect(state.handle(.char("-"), frame: frame, themeCount: 1) == [.scaleRate(0.8)])
        #expect(state.handle(.char("c"), frame: frame, themeCount: 1) == [.setCompareMode(true)])
        _ = state.handle(.char("T"), frame: frame, themeCount: 3)
        _ = state.handle(.char("T"), frame: frame, themeCount: 3)
        #expect(state.themeIndex == 2)
        _ = state.handle(.tab, frame: frame, themeCount: 1)
        #expect(state.focus == .outputs)
        _ = state.handle(.char("q"), frame: frame, themeCount: 1)
        #expect(state.quit)
    }

    @Test func votesNeedCompareMode() {
        var state = DashboardState()
        #expect(state.handle(.char("1"), frame: frame, themeCount: 1).isEmpty)
        #expect(state.flash == "votes need compare mode (c)")
    }

    @Test func aTypedPromptIsSentOnEnter() {
        var state = DashboardState()
        _ = state.handle(.char("p"), frame: frame, themeCount: 1)
        for c in "Hi 你好" { _ = state.handle(.char(c), frame: frame, themeCount: 1) }
        _ = state.handle(.backspace, frame: frame, themeCount: 1)
        #expect(state.promptInput == "Hi 你")
        #expect(state.handle(.char("q"), frame: frame, themeCount: 1).isEmpty && !state.quit, "q is text while typing")
        #expect(state.handle(.enter, frame: frame, themeCount: 1) == [.submitPrompt("Hi 你q")])
        #expect(state.promptInput == nil)
    }

    /// Issue 24, item 1: the pair on screen stays while newer ones arrive, and a vote is bound to it.
    @Test func aVoteGoesToThePairOnScreenWhileNewPairsArrive() throws {
        var frame = FrameFixture.frame(mode: .compare)
        var state = DashboardState()
        let groups = frame.groups
        frame.groups = Array(groups.prefix(1))
        state.absorb(frame)
        let shown = try #require(state.pairs.current)
        #expect(shown.group.id == groups[0].id)
        // Newer prompts finish between the frame the reader saw and the key press.
        frame.groups = groups
        state.absorb(frame)
        #expect(state.pairs.current?.group.id == shown.group.id && state.pairs.waiting.count == groups.count - 1)
        guard case .vote(let vote) = state.handle(.char("2"), frame: frame, themeCount: 1).first else {
            Issue.record("no vote")
            return
        }
        #expect(vote.group == shown.group.id && vote.a == shown.order[0] && vote.b == shown.order[1])
        #expect(vote.choice == .bBetter)
        // A second vote on the same pair is refused; s moves on, and the next pair is the next oldest.
        #expect(state.handle(.char("1"), frame: frame, themeCount: 1).isEmpty)
        _ = state.handle(.char("s"), frame: frame, themeCount: 1)
        #expect(state.pairs.current?.group.id == groups[1].id && state.pairs.history.count == 1)
        // Browsing shows the past pair, revealed, and cannot vote.
        _ = state.handle(.char("["), frame: frame, themeCount: 1)
        #expect(state.pairs.shown?.group.id == shown.group.id && state.pairs.shown?.isRevealed == true)
        #expect(state.handle(.char("1"), frame: frame, themeCount: 1).isEmpty)
        _ = state.handle(.char("]"), frame: frame, themeCount: 1)
        #expect(state.pairs.shown?.group.id == groups[1].id)
    }

    @Test func fourEntitiesAreVotedPairwiseAndATypedPromptGoesFirst() throws {
        var frame = FrameFixture.frame(entities: 4, mode: .compare)
        var state = DashboardState()
        state.absorb(frame)
        let pair = try #require(state.pairs.current)
        #expect(pair.order.count == 4 && pair.matchups.count == 6)
        var seen: Set<Set<Int>> = []
        for _ in 0..<6 {
            guard case .vote(let v) = state.handle(.char("t"), frame: frame, themeCount: 1).first else {
                Issue.record("no vote")
                return
            }
            #expect(v.group == pair.group.id)
            seen.insert([v.a, v.b])
        }
        #expect(seen.count == 6, "every pair of the four shown answers is voted once")
        #expect(state.pairs.current?.isRevealed == true)
        var typed = frame.groups[0]
        typed = CompareGroup(id: 10_000, promptID: "typed-1", prompt: "mine", records: typed.records)
        frame.groups.append(typed)
        state.absorb(frame)
        _ = state.handle(.char("s"), frame: frame, themeCount: 1)
        #expect(state.pairs.current?.group.promptID == "typed-1", "the reader's own prompt comes first")
    }

    /// Issue 24: the mouse, read against the layout the screen was drawn with.
    @Test func clicksSelectRowsMoveSlidersFocusPanesAndTheWheelScrolls() throws {
        var state = DashboardState()
        let layout = try #require(DashboardView.layout(frame, width: 120, height: 40))
        state.layout = layout
        // A click on the second entity's name selects it.
        _ = state.handle(.mouse(MouseEvent(kind: .press, x: 5, y: layout.firstRow + 1)), frame: frame, themeCount: 1)
        #expect(state.selected == 1 && state.focus == .routes)
        // A click at the start of the first entity's slider sets it near 0 %: the split waits for the slider to rest.
        let press = MouseEvent(kind: .press, x: layout.sliderX, y: layout.firstRow)
        #expect(state.handle(.mouse(press), frame: frame, themeCount: 1).isEmpty)
        #expect(state.selected == 0 && state.slider?.weights == Weights([0, 100])!)
        // Dragging along the bar follows the pointer.
        let drag = MouseEvent(kind: .drag, x: layout.sliderX + layout.sliderWidth - 1, y: layout.firstRow)
        _ = state.handle(.mouse(drag), frame: frame, themeCount: 1)
        #expect(state.slider?.weights == Weights([100, 0])!)
        // The drawn slider is where the layout says: the click's column is the bar's first cell.
        let canvas = DashboardView.render(frame, state: DashboardState(), width: 120, height: 40)
        #expect(["█", "░", "┃"].contains(canvas[layout.sliderX, layout.firstRow].text))
        // A click in the side-by-side pane focuses it; the wheel there scrolls it.
        let outputs = try #require(layout.outputs)
        _ = state.handle(.mouse(MouseEvent(kind: .press, x: 3, y: outputs.y + 2)), frame: frame, themeCount: 1)
        #expect(state.focus == .outputs)
        _ = state.handle(.mouse(MouseEvent(kind: .wheelDown, x: 3, y: outputs.y + 2)), frame: frame, themeCount: 1)
        #expect(state.outputScroll == 1)
        #expect(MouseEvent(sgrButton: 0, x: 10, y: 5, released: false) == MouseEvent(kind: .press, x: 9, y: 4))
        #expect(MouseEvent(sgrButton: 2, x: 10, y: 5, released: false) == nil, "the right button does nothing")
    }

    /// Issue 24: `/` filters the event log and the answers; Esc clears the filter.
    @Test func slashFiltersTheEventLogAndTheAnswers() {
        var state = DashboardState()
        _ = state.handle(.char("/"), frame: frame, themeCount: 1)
        for c in "RETRY" { _ = state.handle(.char(c), frame: frame, themeCount: 1) }
        #expect(state.handle(.char("q"), frame: frame, themeCount: 1).isEmpty && !state.quit, "q is text while typing")
        _ = state.handle(.backspace, frame: frame, themeCount: 1)
        _ = state.handle(.enter, frame: frame, themeCount: 1)
        #expect(state.filter == "RETRY")
        let text = DashboardView.render(frame, state: state, width: 120, height: 40).text
        #expect(
            text.contains("retry 1 in 1000 ms") && !text.contains("rate_limited 429: slow down"), "only matching events"
        )
        #expect(text.contains("events · matching \"RETRY\""))
        _ = state.handle(.escape, frame: frame, themeCount: 1)
        #expect(state.filter == nil && !state.quit)
        #expect(DashboardView.render(frame, state: state, width: 120, height: 40).text.contains("slow down"))
    }

    /// A review of the pair queue and the mouse: votes only in compare mode, groups that finish out of order are
    /// still offered, a drag moves only the slider it began on, a switch of endpoint applies (or drops) a slider.
    @Test func pairsAndSlidersHoldUnderTheEdgeCases() throws {
        var compare = FrameFixture.frame(mode: .compare)
        var state = DashboardState()
        let groups = compare.groups
        // Newest first, then an older one that finished late.
        compare.groups = [groups[3]]
        state.absorb(compare)
        compare.groups = [groups[3], groups[1]]
        state.absorb(compare)
        #expect(state.pairs.current?.group.id == groups[3].id && state.pairs.waiting.map(\.group.id) == [groups[1].id])
        // A vote asks for a redraw before the next key; in split mode nothing is voted, pair or not.
        #expect(!state.handle(.char("1"), frame: compare, themeCount: 1).isEmpty && state.redrawFirst)
        state.redrawFirst = false
        _ = state.handle(.char("s"), frame: compare, themeCount: 1)
        #expect(
            state.handle(.char("1"), frame: frame, themeCount: 1).isEmpty
                && state.flash == "votes need compare mode (c)")
        // The mouse: a drag that did not begin on a slider moves nothing; one that did moves only its row.
        let layout = try #require(DashboardView.layout(frame, width: 120, height: 40))
        state.layout = layout
        let outputs = try #require(layout.outputs)
        _ = state.handle(
            .mouse(MouseEvent(kind: .press, x: layout.sliderX, y: outputs.y + 1)), frame: frame, themeCount: 1)
        _ = state.handle(
            .mouse(MouseEvent(kind: .drag, x: layout.sliderX, y: layout.firstRow)), frame: frame, themeCount: 1)
        #expect(state.slider == nil)
        _ = state.handle(
            .mouse(MouseEvent(kind: .press, x: layout.sliderX + 3, y: layout.firstRow)), frame: frame, themeCount: 1)
        _ = state.handle(
            .mouse(MouseEvent(kind: .drag, x: layout.sliderX, y: layout.firstRow + 1)), frame: frame, themeCount: 1)
        #expect(state.slider?.weights == Weights([0, 100])!, "the drag kept to the row it began on")
        _ = state.handle(.mouse(MouseEvent(kind: .release, x: 0, y: 0)), frame: frame, themeCount: 1)
        #expect(state.dragRow == nil)
        // Switching endpoints sends the slider still moving, for this endpoint, before the switch.
        var serve = frame
        serve.endpoints = ["one", "two"]
        #expect(
            state.handle(.char("n"), frame: serve, themeCount: 1) == [.setWeights(Weights([0, 100])!), .nextEndpoint])
        #expect(state.slider == nil)
        // Esc while typing a prompt cancels the prompt, not the filter.
        state.filter = "x"
        _ = state.handle(.char("p"), frame: frame, themeCount: 1)
        _ = state.handle(.escape, frame: frame, themeCount: 1)
        #expect(state.promptInput == nil && state.filter == "x")
    }

    @Test func escAndTheKeyThatClosesHelpNeverQuit() {
        var state = DashboardState()
        _ = state.handle(.escape, frame: frame, themeCount: 1)
        #expect(!state.quit)
        _ = state.handle(.char("?"), frame: frame, themeCount: 1)
        #expect(state.showHelp)
        #expect(state.handle(.char("q"), frame: frame, themeCount: 1).isEmpty && !state.quit && !state.showHelp)
        _ = state.handle(.char("?"), frame: frame, themeCount: 1)
        #expect(state.handle(.char("c"), frame: frame, themeCount: 1).isEmpty, "closing the help does nothing else")
    }

    @Test func blindOrderIsAShufflePerGroupAndStable() {
        let orders = (0..<40).map { DashboardState.blindOrder(group: $0, entities: [0, 1]) }
        #expect(orders.contains([0, 1]) && orders.contains([1, 0]))
        #expect(
            DashboardState.blindOrder(group: 7, entities: [0, 1])
                == DashboardState.blindOrder(group: 7, entities: [0, 1]))
    }
}

@Suite struct CanvasAndThemeTests {
    @Test func wideCharactersKeepColumnsAligned() {
        var c = Canvas(width: 12, height: 2)
        #expect(c.put("表格🙂x", x: 0, y: 0) == 7)
        c.put("abcdefghijkl", x: 0, y: 1)
        let lines = c.text.split(separator: "\n")
        #expect(DisplayWidth.of(lines[0]) == 7 && lines[0] == "表格🙂x")
        #expect(c[1, 0].text.isEmpty && c[6, 0].text == "x")
        // A wide character that would cross the edge becomes a space instead of spilling over.
        var edge = Canvas(width: 3, height: 1)
        edge.put("a表格", x: 0, y: 0)
        #expect(edge.text == "a…", "the cut is marked where the wide character stood")
        var clip = Canvas(width: 4, height: 1)
        clip.put("ab表", x: 1, y: 0, limit: 2)
        #expect(clip.text == " a…", "a cut line ends in …")
    }

    /// Issue 23, item 7: an answer's bidi controls and escapes never reach a cell as they are.
    @Test func bidiControlsAndEscapesAreDrawnAsMarks() {
        var c = Canvas(width: 40, height: 1)
        c.put("txt\u{202E}exe.sh\u{200F} \u{1B}[2J\u{061C}end", x: 0, y: 0)
        let drawn = c.text.unicodeScalars
        for unsafe: UInt32 in [0x202E, 0x200F, 0x1B, 0x061C] {
            #expect(!drawn.contains { $0.value == unsafe }, "U+\(String(unsafe, radix: 16)) was drawn raw")
        }
        #expect(c.text.hasPrefix("txt\u{FFFD}exe.sh\u{FFFD} ␛[2J\u{FFFD}end"), "\(c.text)")
    }

    @Test func onlyChangedCellsAreRewritten() {
        var a = Canvas(width: 10, height: 3)
        a.put("hello", x: 0, y: 1)
        var b = a
        b.put("J", x: 0, y: 1)
        #expect(b.changes(from: a).map { [$0.x, $0.y] } == [[0, 1]])
        #expect(b.changes(from: nil).count == 30)
        #expect(Canvas(width: 5, height: 3).changes(from: a).count == 15, "a resize redraws everything")
    }

    @Test func themesFallBackWarnAndNeverFail() {
        let (theme, warnings) = Theme.parse(
            """
            # comment
            theme[main_fg]="#112233"
            theme[no_such_role]="#ffffff"
            theme[bad]="red"
            garbage line
            theme[entity_1]='#abcdef'
            """, name: "t")
        #expect(theme.color(.mainFg) == RGB(hex: "#112233"))
        #expect(theme.color(.entity(0)) == RGB(hex: "#abcdef"))
        #expect(theme.color(.bad) == Theme.standard.color(.bad), "a bad value keeps the default")
        #expect(theme.color(.warn) == Theme.standard.color(.warn), "a missing role falls back")
        #expect(warnings.count == 3)
        #expect(warnings[0].contains("t.theme:3: unknown role \"no_such_role\""))
        #expect(Theme.parse(String(repeating: "\u{0}theme[", count: 100), name: "junk").warnings.count >= 1)
    }

    /// Issue 24, item 7: the seven themes are in the binary and parse cleanly.
    @Test func builtInThemesParseCleanly() throws {
        #expect(
            BuiltInThemes.files.map(\.name) == [
                "default", "light", "nord", "gruvbox", "solarized-dark", "high-contrast", "mono",
            ])
        for (name, text) in BuiltInThemes.files {
            #expect(Theme.parse(text, name: name).warnings.isEmpty, "\(name)")
        }
    }

    @Test func coloursMapToTheTerminalsDepth() {
        #expect(ColorDepth.xterm256(RGB(hex: "#000000")!) == 16)
        #expect(ColorDepth.xterm256(RGB(hex: "#ffffff")!) == 231)
        #expect(ColorDepth.xterm256(RGB(hex: "#5fafff")!) == 75)
        #expect(ColorDepth.xterm256(RGB(hex: "#808080")!) == 244)
        #expect(ColorDepth.ansi16(RGB(hex: "#ff0000")!) == 9)
        #expect(ColorDepth.ansi16(RGB(hex: "#000000")!) == 0)
    }

    /// Issue 25: the default theme's file is `Theme.standard` written out, so the two cannot disagree; parsing it
    /// gives back exactly the standard palette with no warning.
    @Test func theDefaultThemeFileIsTheStandardPalette() {
        let text = BuiltInThemes.files.first { $0.name == "default" }!.text
        let (theme, warnings) = Theme.parse(text, name: "default")
        #expect(warnings.isEmpty && theme.colors == Theme.standard.colors)
        #expect(
            text.split(separator: "\n").filter { $0.hasPrefix("theme[") }.count == Theme.keys.count,
            "every role written")
    }

    /// Issue 25: the footer's hints come from one table, and each hint's actions are bound to keys its label
    /// names, so a rebinding that the footer does not follow fails here.
    @Test func everyFooterHintNamesKeysThatAreBound() {
        for hint in Keymap.footerHints {
            for action in hint.actions {
                let binding = Keymap.bindings.first { $0.action == action }
                #expect(binding != nil, "\(hint.label) \(hint.word): \(action) is not bound")
                if let binding {
                    let named =
                        binding.label.split(separator: "/").contains { hint.label.contains($0) }
                        || hint.label.contains(binding.label) || ["↑↓", "←→"].contains(hint.label)
                    #expect(named, "\(hint.label) names none of \(binding.label)")
                }
            }
        }
        #expect(Keymap.footer(serving: true, narrow: false).contains("n next endpoint"))
        #expect(!Keymap.footer(serving: true, narrow: false).contains("pause"))
        #expect(Keymap.footer(serving: false, narrow: true).hasSuffix("? help q quit"))
    }
}
