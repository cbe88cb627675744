import ABCore

/// The dashboard's own state (selection, focus, scroll, help, prompt being typed, votes cast), changed only by
/// keys. Pure: `handle` returns the commands for the run, so tests need no terminal.
public struct DashboardState: Sendable {
    public enum Pane: CaseIterable, Sendable {
        case routes, outputs, events
    }

    public var selected = 0
    public var focus: Pane = .routes
    public var outputScroll = 0
    public var eventScroll = 0
    public var showHelp = false
    /// The prompt being typed after `p`, or nil.
    public var promptInput: String?
    public var themeIndex = 0
    /// A short message for the status bar.
    public var flash: String?
    /// Votes cast per compare group: the group's names are revealed once voted.
    public var voted: [Int: Vote.Choice] = [:]
    /// The group just voted on and when (session seconds): the pane keeps it, names revealed, for a few seconds.
    public var lastVote: (group: Int, time: Double)?
    public var quit = false

    public init() {}

    /// Applies a key; returns what the run must do.
    public mutating func handle(_ key: Key, frame: DashboardFrame, themeCount: Int) -> [DashboardCommand] {
        if var input = promptInput {
            switch key {
            case .enter:
                promptInput = nil
                let text = input.trimmingCharacters(in: " ")
                guard !text.isEmpty else { return [] }
                flash = "sent: \(text)"
                return [.submitPrompt(text)]
            case .escape:
                promptInput = nil
            case .backspace:
                if !input.isEmpty { input.removeLast() }
                promptInput = input
            case .char(let c):
                input.append(c)
                promptInput = input
            default:
                break
            }
            return []
        }
        if showHelp, key != .resize {
            // The key that closes the overlay does nothing else: "any key closes" must not also quit or vote.
            showHelp = false
            return []
        }
        guard let action = Keymap.action(for: key) else { return [] }
        let count = frame.snapshot.entities.count
        switch action {
        case .selectPrevious, .selectNext:
            let step = action == .selectNext ? 1 : -1
            switch focus {
            case .routes: selected = (selected + step + count) % max(1, count)
            case .outputs: outputScroll = max(0, outputScroll + step)
            case .events: eventScroll = max(0, eventScroll - step)
            }
        case .moveSlider(let delta):
            guard count > 1, selected < count else { return [] }
            let weights = frame.snapshot.epoch.weights.moving(selected, by: delta)
            guard weights != frame.snapshot.epoch.weights else { return [] }
            return [.setWeights(weights)]
        case .togglePause:
            return [.setPaused(!frame.paused)]
        case .rateUp:
            return [.scaleRate(1.25)]
        case .rateDown:
            return [.scaleRate(0.8)]
        case .focusNext:
            let panes = Pane.allCases
            focus = panes[(panes.firstIndex(of: focus)! + 1) % panes.count]
        case .toggleCompare:
            return [.setCompareMode(frame.mode != .compare)]
        case .vote(let key):
            guard frame.mode == .compare, let group = Self.latestGroup(frame.records, entities: count),
                voted[group.id] == nil, group.order.count >= 2
            else {
                flash = frame.mode == .compare ? "nothing to vote on yet" : "votes need compare mode (c)"
                return []
            }
            let choice: Vote.Choice =
                switch key {
                case .a: .aBetter
                case .b: .bBetter
                case .tie: .tie
                case .bothBad: .bothBad
                }
            voted[group.id] = choice
            lastVote = (group.id, frame.snapshot.time)
            let names = group.order.prefix(2).enumerated().map { i, e in
                "\(i == 0 ? "A" : "B") = \(frame.snapshot.entities[e].info.name)"
            }.joined(separator: ", ")
            flash = "vote counted: \(OutputsPanel.voteWord(choice)) · \(names)"
            return [.vote(Vote(a: group.order[0], b: group.order[1], choice: choice))]
        case .startPrompt:
            promptInput = ""
        case .export:
            return [.export]
        case .nextTheme:
            themeIndex = (themeIndex + 1) % max(1, themeCount)
        case .nextEndpoint:
            guard frame.endpoints.count > 1 else {
                flash = frame.endpoints.isEmpty ? "n switches endpoints under abtop serve" : "this is the only endpoint"
                return []
            }
            selected = 0
            outputScroll = 0
            eventScroll = 0
            voted = [:]
            lastVote = nil
            return [.nextEndpoint]
        case .toggleHelp:
            showHelp = true
        case .quit:
            quit = true
        }
        return []
    }

    /// The newest compare group every entity has answered, with its blind order (shuffled per group).
    public static func latestGroup(
        _ records: [RequestRecord], entities: Int,
        preferring pinned: Int? = nil
    ) -> (id: Int, order: [Int], records: [Int: RequestRecord])? {
        var groups: [Int: [Int: RequestRecord]] = [:]
        for r in records { if let g = r.group { groups[g, default: [:]][r.outcome.entity] = r } }
        let complete = groups.filter { $0.value.count >= min(entities, 2) }
        let chosen = pinned.flatMap { id in complete[id].map { (id, $0) } } ?? complete.max(by: { $0.key < $1.key })
        guard let (id, members) = chosen else { return nil }
        return (id, blindOrder(group: id, entities: members.keys.sorted()), members)
    }

    /// A permutation of `entities` fixed by the group, so sides stay put while the user reads.
    public static func blindOrder(group: Int, entities: [Int]) -> [Int] {
        var rng = SplitMix64(seed: StableHash.of("group-\(group)"))
        var order = entities
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
        return order
    }
}
