/// Something the user asked for.
public enum Action: Hashable, Sendable {
    case selectPrevious, selectNext
    case moveSlider(Int)
    case togglePause
    case rateUp, rateDown
    case focusNext
    case toggleCompare
    case toggleScorecard
    case toggleRollout
    case abortRollout
    case vote(VoteKey)
    /// Compare mode: skip the pair on screen, or move on from one voted on.
    case nextPair
    /// Compare mode: browse past pairs (-1 older, +1 newer).
    case browsePairs(Int)
    case startPrompt
    case startFilter
    case export
    case nextTheme
    case nextEndpoint
    case toggleHelp
    case quit

    public enum VoteKey: Hashable, Sendable {
        case a, b, tie, bothBad
    }
}

/// Every key binding in one table (htop's `Action_setBindings`); the help overlay is generated from it.
public enum Keymap {
    public struct Binding: Sendable {
        public let keys: [Key]
        public let label: String
        public let help: String
        public let action: Action
    }

    public static let bindings: [Binding] = [
        Binding(keys: [.up, .char("k")], label: "↑/k", help: "select the previous entity", action: .selectPrevious),
        Binding(keys: [.down, .char("j")], label: "↓/j", help: "select the next entity", action: .selectNext),
        Binding(keys: [.right], label: "→", help: "move its slider up 1 % (new split epoch)", action: .moveSlider(1)),
        Binding(keys: [.left], label: "←", help: "move its slider down 1 %", action: .moveSlider(-1)),
        Binding(keys: [.shiftRight, .pageUp], label: "⇧→/PgUp", help: "slider up 5 %", action: .moveSlider(5)),
        Binding(keys: [.shiftLeft, .pageDown], label: "⇧←/PgDn", help: "slider down 5 %", action: .moveSlider(-5)),
        Binding(keys: [.char(" ")], label: "space", help: "pause / resume sending", action: .togglePause),
        Binding(keys: [.char("+"), .char("=")], label: "+", help: "send faster", action: .rateUp),
        Binding(keys: [.char("-")], label: "-", help: "send slower", action: .rateDown),
        Binding(keys: [.tab], label: "tab", help: "focus the next pane (scroll it with ↑/↓)", action: .focusNext),
        Binding(
            keys: [.char("c")], label: "c", help: "compare mode: every prompt to every entity, blind",
            action: .toggleCompare),
        Binding(
            keys: [.char("1")], label: "1", help: "vote: the left one of the pair shown (A) is better",
            action: .vote(.a)),
        Binding(keys: [.char("2")], label: "2", help: "vote: the right one (B) is better", action: .vote(.b)),
        Binding(keys: [.char("t")], label: "t", help: "vote: tie", action: .vote(.tie)),
        Binding(keys: [.char("b")], label: "b", help: "vote: both bad", action: .vote(.bothBad)),
        Binding(keys: [.char("s")], label: "s", help: "compare: skip this pair / next pair", action: .nextPair),
        Binding(keys: [.char("[")], label: "[", help: "compare: an older pair", action: .browsePairs(-1)),
        Binding(keys: [.char("]")], label: "]", help: "compare: a newer pair", action: .browsePairs(1)),
        Binding(
            keys: [.char("v")], label: "v", help: "verdicts or the scorecard (quality beside speed, errors, cost)",
            action: .toggleScorecard),
        Binding(keys: [.char("R")], label: "R", help: "rollout: pause / resume", action: .toggleRollout),
        Binding(
            keys: [.char("X")], label: "X", help: "rollout: abort (press twice; traffic back on the baseline)",
            action: .abortRollout),
        Binding(keys: [.char("p")], label: "p", help: "type a prompt and send it now", action: .startPrompt),
        Binding(
            keys: [.char("/")], label: "/", help: "filter the event log and the answers (Esc clears)",
            action: .startFilter),
        Binding(keys: [.char("e")], label: "e", help: "export a report now", action: .export),
        Binding(keys: [.char("T")], label: "T", help: "next theme", action: .nextTheme),
        Binding(keys: [.char("n")], label: "n", help: "next endpoint (abtop serve)", action: .nextEndpoint),
        Binding(keys: [.char("?"), .char("h")], label: "?", help: "this help", action: .toggleHelp),
        // Esc never quits: it is what people press to leave an overlay or a typed prompt, and one press too many
        // would end the session.
        Binding(keys: [.char("q")], label: "q", help: "quit", action: .quit),
    ]

    /// A footer hint: the keys' short label, one word, and the actions they stand for (a test checks each is
    /// bound to a key the label names), where it applies, and whether a narrow footer keeps it.
    public struct FooterHint: Sendable {
        public let label: String
        public let word: String
        public let actions: [Action]
        public let inRun: Bool
        public let inServe: Bool
        public let narrow: Bool
    }

    /// The footer's hints in the order shown: `run`/`demo` (a load to pause and pace, compare mode, typed
    /// prompts) and `serve` (endpoints to switch) each take theirs.
    public static let footerHints: [FooterHint] = [
        FooterHint(
            label: "↑↓", word: "select", actions: [.selectPrevious, .selectNext], inRun: true, inServe: true,
            narrow: true),
        FooterHint(
            label: "←→", word: "split", actions: [.moveSlider(1), .moveSlider(-1)], inRun: true, inServe: true,
            narrow: true),
        FooterHint(label: "space", word: "pause", actions: [.togglePause], inRun: true, inServe: false, narrow: true),
        FooterHint(
            label: "+/-", word: "rate", actions: [.rateUp, .rateDown], inRun: true, inServe: false, narrow: true),
        FooterHint(label: "c", word: "compare", actions: [.toggleCompare], inRun: true, inServe: false, narrow: true),
        FooterHint(
            label: "n", word: "next endpoint", actions: [.nextEndpoint], inRun: false, inServe: true, narrow: true),
        FooterHint(label: "p", word: "prompt", actions: [.startPrompt], inRun: true, inServe: false, narrow: true),
        FooterHint(label: "e", word: "export", actions: [.export], inRun: true, inServe: true, narrow: false),
        FooterHint(label: "T", word: "theme", actions: [.nextTheme], inRun: true, inServe: true, narrow: false),
        FooterHint(label: "?", word: "help", actions: [.toggleHelp], inRun: true, inServe: true, narrow: true),
        FooterHint(label: "q", word: "quit", actions: [.quit], inRun: true, inServe: true, narrow: true),
    ]

    /// The footer's line of hints: every hint that applies, or on a narrow screen the essential ones, closer.
    public static func footer(serving: Bool, narrow: Bool) -> String {
        footerHints.filter { (serving ? $0.inServe : $0.inRun) && (!narrow || $0.narrow) }
            .map { "\($0.label) \($0.word)" }.joined(separator: narrow ? " " : "  ")
    }

    public static func action(for key: Key) -> Action? {
        bindings.first { $0.keys.contains(key) }?.action
    }
}
