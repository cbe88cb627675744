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
    /// The verdict rows show the scorecard (`v`) instead of the verdicts.
    public var showScorecard = false
    /// `X` was pressed once: a second press aborts the rollout.
    public var abortArmed = false
    /// The prompt being typed after `p`, or nil.
    public var promptInput: String?
    /// The filter being typed after `/`, or nil; and the one applied to the event log and the answers.
    public var filterInput: String?
    public var filter: String?
    public var themeIndex = 0
    /// A short message for the status bar.
    public var flash: String?
    /// Compare mode's blind pairs: the one on screen, those waiting, those past.
    public var pairs = PairQueue()
    /// A slider being moved: the split it shows, and when (session seconds) it last moved. The split is sent
    /// once the slider rests (`tick`), so a run of key presses is one split epoch, not one per press.
    public var slider: (weights: Weights, at: Double)?
    /// How long a slider stays still before its split applies.
    public static let sliderRest = 0.8
    /// Where things are on screen, as last drawn: what a mouse click is read against.
    public var layout: DashboardLayout?
    /// The routes row whose slider the mouse is dragging (from a press on its bar until the release).
    public var dragRow: Int?
    /// A key changed what is on screen (a vote, the next pair): the keys after it wait for the next frame, so
    /// each acts on what was drawn.
    public var redrawFirst = false
    public var quit = false

    public init() {}

    /// Takes the frame's new compare groups into the queue (the pair on screen stays). Called once per frame,
    /// before it is drawn, so the keys that follow act on what was drawn.
    public mutating func absorb(_ frame: DashboardFrame) {
        pairs.absorb(frame.groups)
    }

    /// A click selects the row under it (or focuses the pane); a click or drag on a slider moves it there; the
    /// wheel scrolls the pane under the pointer. The split follows the slider when it rests, as with keys.
    mutating func mouse(_ e: MouseEvent, frame: DashboardFrame) -> [DashboardCommand] {
        guard let layout else { return [] }
        let pane = layout.pane(at: e.x, e.y)
        switch e.kind {
        case .wheelUp, .wheelDown:
            let step = e.kind == .wheelDown ? 1 : -1
            switch pane {
            case .outputs?: outputScroll = max(0, outputScroll + step)
            case .events?: eventScroll = max(0, eventScroll - step)
            case .routes?:
                let count = max(1, frame.snapshot.entities.count)
                selected = (selected + step + count) % count
            case nil: break
            }
        case .press:
            if let pane { focus = pane }
            guard pane == .routes, let row = layout.entity(atRow: e.y) else { return [] }
            selected = row
            // A press on the bar itself sets the slider there and starts a drag of that row's slider.
            guard layout.percentage(atColumn: e.x) != nil else { return [] }
            dragRow = row
            setSlider(row, column: e.x, frame: frame)
        case .drag:
            // Only a drag that began on a slider moves one, and only that row's.
            guard let row = dragRow else { return [] }
            setSlider(row, column: min(max(e.x, layout.sliderX), layout.sliderX + layout.sliderWidth - 1), frame: frame)
        case .release:
            dragRow = nil
        }
        return []
    }

    /// The split a slider move starts from: the one still moving, if it is this frame's (same entities).
    func currentSplit(_ frame: DashboardFrame) -> Weights {
        let epoch = frame.snapshot.epoch.weights
        guard let moved = slider?.weights, moved.percentages.count == epoch.percentages.count else { return epoch }
        return moved
    }

    mutating func setSlider(_ row: Int, column: Int, frame: DashboardFrame) {
        guard frame.mode == .split, frame.snapshot.entities.count > 1, row < frame.snapshot.entities.count,
            let layout, let target = layout.percentage(atColumn: column)
        else { return }
        let base = currentSplit(frame)
        let weights = base.setting(row, to: target)
        if weights != base { slider = (weights, frame.snapshot.time) }
    }

    /// What is due now: a slider at rest sends its split. Called once per frame, before its keys.
    public mutating func tick(_ frame: DashboardFrame) -> [DashboardCommand] {
        guard let moved = slider, frame.snapshot.time - moved.at >= Self.sliderRest else { return [] }
        slider = nil
        // A split for other entities (the endpoint changed under it) is not this frame's.
        guard moved.weights.percentages.count == frame.snapshot.epoch.weights.percentages.count else { return [] }
        return moved.weights == frame.snapshot.epoch.weights ? [] : [.setWeights(moved.weights)]
    }

    /// Applies a key; returns what the run must do.
    /// Whether `text` matches a filter: case-insensitive containment.
    public static func matches(_ text: String, _ filter: String) -> Bool {
        text.range(of: filter, options: .caseInsensitive) != nil
    }

    public mutating func handle(_ key: Key, frame: DashboardFrame, themeCount: Int) -> [DashboardCommand] {
        if var input = filterInput {
            switch key {
            case .enter:
                filterInput = nil
                let text = input.trimmingCharacters(in: " ")
                filter = text.isEmpty ? nil : text
                eventScroll = 0
                outputScroll = 0
            case .escape: filterInput = nil
            case .backspace:
                if !input.isEmpty { input.removeLast() }
                filterInput = input
            case .char(let c):
                input.append(c)
                filterInput = input
            default: break
            }
            return []
        }

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
        if case .mouse(let event) = key {
            return showHelp || promptInput != nil || filterInput != nil ? [] : mouse(event, frame: frame)
        }
        if showHelp, key != .resize {
            // The key that closes the overlay does nothing else: "any key closes" must not also quit or vote.
            showHelp = false
            return []
        }
        if key == .escape, filter != nil {
            filter = nil
            return []
        }
        guard let action = Keymap.action(for: key) else { return [] }
        // An armed abort lasts until the next key: only X right after X aborts.
        let abortWasArmed = abortArmed
        abortArmed = false
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
            let base = currentSplit(frame)
            let weights = base.moving(selected, by: delta)
            guard weights != base else { return [] }
            slider = (weights, frame.snapshot.time)
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
            // Only in compare mode: in split mode the pane shows other answers than the pair.
            guard frame.mode == .compare else {
                flash = "votes need compare mode (c)"
                return []
            }
            guard let pair = pairs.shown, pairs.browsing == nil, let (i, j) = pair.matchup else {
                flash =
                    pairs.browsing != nil
                    ? "browsing past pairs: ] returns to the pair to vote on"
                    : pairs.current == nil ? "nothing to vote on yet" : "voted: s shows the next pair"
                return []
            }
            let choice: Vote.Choice =
                switch key {
                case .a: .aBetter
                case .b: .bBetter
                case .tie: .tie
                case .bothBad: .bothBad
                }
            guard let vote = pairs.vote(choice) else { return [] }
            redrawFirst = true
            let names = [i, j].map { p in
                "\(PairQueue.letter(p)) = \(frame.snapshot.entities[pair.order[p]].info.name)"
            }.joined(separator: ", ")
            flash =
                pairs.current?.isRevealed == true
                ? "vote counted: \(OutputsPanel.voteWord(choice, pair: (i, j))) · \(names) · s: next pair"
                : "vote counted: \(OutputsPanel.voteWord(choice, pair: (i, j))); next: "
                    + OutputsPanel.matchupWord(pairs.current!)
            return [.vote(vote)]
        case .nextPair:
            guard pairs.current != nil || !pairs.waiting.isEmpty else {
                flash = "no pair waiting"
                return []
            }
            pairs.next()
            redrawFirst = true
        case .browsePairs(let step):
            pairs.browse(step)
            redrawFirst = true
        case .startPrompt:
            promptInput = ""
        case .startFilter:
            filterInput = filter ?? ""
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
            pairs = PairQueue()
            // A slider still moving belongs to this endpoint: it applies here, before the switch.
            let pending = slider.flatMap { moved in
                moved.weights != frame.snapshot.epoch.weights
                    && moved.weights.percentages.count == frame.snapshot.epoch.weights.percentages.count
                    ? DashboardCommand.setWeights(moved.weights) : nil
            }
            slider = nil
            return (pending.map { [$0] } ?? []) + [.nextEndpoint]
        case .toggleScorecard:
            showScorecard.toggle()
        case .toggleRollout:
            guard let rollout = frame.rollout, !rollout.phase.isOver else {
                flash = "no rollout under way on this endpoint"
                return []
            }
            return [.rollout(rollout.phase == .paused ? .resume : .pause)]
        case .abortRollout:
            guard let rollout = frame.rollout, !rollout.phase.isOver else {
                flash = "no rollout under way on this endpoint"
                return []
            }
            guard abortWasArmed else {
                abortArmed = true
                flash = "press X again to abort the rollout (traffic back on the baseline)"
                return []
            }
            return [.rollout(.abort)]
        case .toggleHelp:
            showHelp = true
        case .quit:
            quit = true
            // A split still being moved is the user's last word: it applies before the session ends.
            if let moved = slider, moved.weights != frame.snapshot.epoch.weights {
                slider = nil
                return [.setWeights(moved.weights)]
            }
        }
        return []
    }

    /// A permutation of `entities` fixed by the group, so sides stay put while the user reads.
    public static func blindOrder(group: Int, entities: [Int]) -> [Int] {
        var rng = SplitMix64(seed: StableHash.of("group-\(group)"))
        var order = entities
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
        return order
    }
}
