import ABCore
import Foundation
import Testing

@testable import ABTUI

/// Panels render fixed frames into canvases at 80×24 and 120×40; the text is compared with committed golden
/// files (`ABTOP_UPDATE_GOLDEN=1 swift test --filter DashboardViewTests` rewrites them after a deliberate change).
@Suite struct DashboardViewTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func check(_ canvas: Canvas, _ name: String) throws {
        let url = Self.golden.appendingPathComponent(name + ".txt")
        let text = canvas.text + "\n"
        if ProcessInfo.processInfo.environment["ABTOP_UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "\(name) differs; rendered:\n\(text)")
    }

    /// Issue 26: the judge's record in the verdict pane, and `v` turns the pane into the scorecard: quality beside
    /// speed, errors and cost, one row per arm.
    @Test func theJudgeAndTheScorecardShowBesideTheVerdicts() throws {
        var frame = FrameFixture.frame()
        frame.judgeModel = "gpt-4o"
        frame.judgements = (0..<24).map { k in
            var j = Judgement(group: k, promptID: "p\(k)", first: 0, second: 1)
            j.inOrder = k % 6 == 0 ? .a : .b
            j.swapped = .a
            return j
        }
        var failed = Judgement(group: 99, promptID: "p99", first: 0, second: 1)
        failed.failure = .format
        frame.judgements.append(failed)
        let lines = VerdictPanel.lines(frame).map(\.0)
        #expect(
            lines.contains { $0.hasPrefix("● decided: judge: served_model_name_2 beats served_model_name_1") },
            "\(lines)")
        #expect(
            lines.contains {
                $0.hasPrefix("judge gpt-4o: 24 pairs judged in both orders, 4 ties · consistency 83 %")
                    && $0.hasSuffix("1 not judged (1 out of format)")
            }, "\(lines)")
        var state = DashboardState()
        _ = state.handle(.char("v"), frame: frame, themeCount: 1)
        #expect(state.showScorecard)
        let canvas = DashboardView.render(frame, state: state, width: 120, height: 40)
        let text = canvas.text
        #expect(text.contains("scorecard  entity") && text.contains("judge score"), "\(text)")
        // served_model_name_2 won 20 and tied 4 of 24: (20 + 2) / 24 = 92 %; served_model_name_1 8 %.
        let row2 = try #require(
            text.split(separator: "\n").first { $0.contains("served_model_name_2") && $0.contains("92 %") })
        #expect(row2.hasSuffix("92 %") || row2.contains("92 % "), "\(row2)")
        #expect(text.split(separator: "\n").contains { $0.contains("served_model_name_1") && $0.contains(" 8 %") })
        // The layout the mouse reads matches what was drawn.
        let layout = try #require(DashboardView.layout(frame, width: 120, height: 40, scorecard: true))
        #expect(layout.events.y > 0)
        _ = state.handle(.char("v"), frame: frame, themeCount: 1)
        #expect(!state.showScorecard)
    }

    /// Issue 27: the rollout is the first verdict line, and R / X X drive it.
    @Test func theRolloutLineAndItsKeys() {
        var frame = FrameFixture.frame()
        frame.rollout = ("rollout b over a: step 2/5 (5 %), ramping, 42 s in step: error rate holds", .ramping)
        #expect(VerdictPanel.lines(frame).first?.0 == frame.rollout?.line)
        var state = DashboardState()
        #expect(state.handle(.char("R"), frame: frame, themeCount: 1) == [.rollout(.pause)])
        frame.rollout?.phase = .paused
        #expect(VerdictPanel.lines(frame).first?.1 == .warn)
        #expect(state.handle(.char("R"), frame: frame, themeCount: 1) == [.rollout(.resume)])
        // Abort takes a second X.
        #expect(state.handle(.char("X"), frame: frame, themeCount: 1).isEmpty && state.flash?.contains("again") == true)
        #expect(state.handle(.char("X"), frame: frame, themeCount: 1) == [.rollout(.abort)])
        frame.rollout = nil
        #expect(state.handle(.char("R"), frame: frame, themeCount: 1).isEmpty)
        #expect(state.flash == "no rollout under way on this endpoint")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func splitMode(width: Int, height: Int) throws {
        let canvas = DashboardView.render(FrameFixture.frame(), state: DashboardState(), width: width, height: height)
        try check(canvas, "split-\(width)x\(height)")
        #expect(canvas.text.split(separator: "\n", omittingEmptySubsequences: false).count == height)
        #expect(canvas.text.contains("served_model_name_1") && canvas.text.contains("served_model_name_2"))
        #expect(canvas.text.contains("60%") && canvas.text.contains("40%"))
    }

    /// Issue 26: clients' feedback shows per arm in the verdict pane, with what its own family decided.
    @Test func feedbackShowsPerArmBesideTheVerdicts() {
        var frame = FrameFixture.frame()
        var tally = FeedbackTally(entities: 2)
        for k in 0..<30 {
            let names = ["served_model_name_1", "served_model_name_2"]
            for e in 0..<2 {
                tally.add(
                    Feedback(
                        requestID: "\(names[e])-\(k)", entity: e, metric: "thumbs_up",
                        value: e == 1 || k % 3 == 0 ? 1 : 0, isBoolean: true, comment: nil))
            }
        }
        frame.feedback = tally
        let lines = VerdictPanel.lines(frame).map(\.0)
        #expect(
            lines.contains("feedback thumbs_up: served_model_name_1 33% (30) · served_model_name_2 100% (30)"),
            "\(lines)")
        #expect(lines.contains { $0.hasPrefix("● decided: served_model_name_2 gets thumbs_up more often") }, "\(lines)")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func compareModeIsBlindUntilTheVote(width: Int, height: Int) throws {
        let frame = FrameFixture.frame(mode: .compare)
        var state = DashboardState()
        state.absorb(frame)
        let blind = DashboardView.render(frame, state: state, width: width, height: height)
        try check(blind, "compare-blind-\(width)x\(height)")
        let pane = blind.text.components(separatedBy: "compare · blind")[1]
        let head = pane.split(separator: "\n").prefix(3).joined()
        #expect(!head.contains("served_model_name"), "names hidden before the vote")
        #expect(!head.contains("ms") && !head.contains("tok"), "latency and tokens hidden before the vote: \(head)")
        #expect(blind.text.contains("4 waiting"), "the newer pairs wait, counted")
        let commands = state.handle(.char("1"), frame: frame, themeCount: 1)
        guard case .vote(let vote) = commands.first else {
            Issue.record("no vote command")
            return
        }
        #expect(vote.choice == .aBetter && Set([vote.a, vote.b]) == [0, 1])
        let revealed = DashboardView.render(frame, state: state, width: width, height: height)
        #expect(revealed.text.contains("A = \(frame.snapshot.entities[vote.a].info.name)"))
    }

    /// Issue 24, item 8: what people decide on goes last: between 80 and 120 columns COST outlasts TOK/S.
    @Test func costOutlastsDecodeSpeedOnNarrowScreens() {
        for width in [100, 104, 110] {
            let text = DashboardView.render(FrameFixture.frame(), state: DashboardState(), width: width, height: 40)
                .text
            let header = text.split(separator: "\n").first { $0.contains("ENTITY") } ?? ""
            #expect(!header.contains("TOK/S") || header.contains("COST"), "\(width): \(header)")
        }
    }

    @Test func eightEntitiesFitAt120x40() throws {
        let canvas = DashboardView.render(
            FrameFixture.frame(entities: 8), state: DashboardState(), width: 120, height: 40)
        try check(canvas, "eight-120x40")
        for name in ["served_model_name_1", "canary-llama", "backup"] { #expect(canvas.text.contains(name)) }
    }

    @Test func serveWithNoEndpointSaysHowToCreateOne() throws {
        var frame = DashboardFrame(endpoint: "no endpoint yet", mode: .split, snapshot: .empty(time: 0))
        frame.serving = true
        frame.waiting = ["abtop serve is listening on http://127.0.0.1:8080", "", "no serving endpoint yet"]
        let canvas = DashboardView.render(frame, state: DashboardState(), width: 80, height: 24)
        try check(canvas, "serve-waiting-80x24")
        #expect(canvas.text.contains("listening on http://127.0.0.1:8080"))
    }

    /// Issue 24, item 12: serve's dashboard keeps its address in view and offers only serve's keys.
    @Test(arguments: [(80, 24), (120, 40)])
    func serveWithAnEndpoint(width: Int, height: Int) throws {
        var frame = FrameFixture.frame()
        frame.serving = true
        frame.address = "http://127.0.0.1:8080"
        frame.endpoints = ["mix-chat-endpoint", "canary"]
        let canvas = DashboardView.render(frame, state: DashboardState(), width: width, height: height)
        try check(canvas, "serve-\(width)x\(height)")
        let footer = canvas.text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(footer.contains("http://127.0.0.1:8080"), "\(footer)")
        #expect(!footer.contains("pause") && !footer.contains("compare") && footer.contains("n"))
    }

    @Test func serveShowsWhichEndpointAndSwitchesWithN() {
        var frame = FrameFixture.frame()
        frame.endpoints = ["first", "mix-chat-endpoint", "third"]
        frame.endpointIndex = 1
        let text = DashboardView.render(frame, state: DashboardState(), width: 120, height: 40).text
        #expect(text.split(separator: "\n").first?.contains("[2/3, n: next]") == true)
        var state = DashboardState()
        state.selected = 1
        #expect(state.handle(.char("n"), frame: frame, themeCount: 1) == [.nextEndpoint])
        #expect(state.selected == 0)
        frame.endpoints = ["only"]
        #expect(state.handle(.char("n"), frame: frame, themeCount: 1).isEmpty)
        #expect(state.flash == "this is the only endpoint")
    }

    @Test func helpIsGeneratedFromTheKeymap() {
        var state = DashboardState()
        _ = state.handle(.char("?"), frame: FrameFixture.frame(), themeCount: 1)
        let text = DashboardView.render(FrameFixture.frame(), state: state, width: 120, height: 40).text
        for binding in Keymap.bindings { #expect(text.contains(binding.help), "help lacks \(binding.help)") }
        // Issue 24, item 8: at 80×24 every key is still listed (two columns), ? and q included.
        let small = DashboardView.render(FrameFixture.frame(), state: state, width: 80, height: 24).text
        for binding in Keymap.bindings {
            #expect(
                small.contains(binding.label.padding(9) + " " + binding.help.prefix(6)), "80×24 lacks \(binding.label)")
        }
    }

    @Test func tooSmallSaysSo() {
        #expect(
            DashboardView.render(FrameFixture.frame(), state: DashboardState(), width: 30, height: 10).text
                .contains("at least 40×12"))
    }
}
