import ABCore

/// The side-by-side pane. In compare mode: one prompt's answers, blind (A, B, … in a shuffled order fixed per
/// prompt) until every match-up of the pair is voted on; nothing that tells the arms apart (latency, tokens, the
/// kind of error) shows before that. In split mode: each entity's latest answer under its own prompt.
enum OutputsPanel {
    struct Column {
        let label: String
        let role: Role
        let record: RequestRecord?
        /// The column's own prompt (split mode: each answer is to a prompt of its own).
        var prompt: String?
    }

    static func draw(_ canvas: inout Canvas, _ rect: Rect, frame: DashboardFrame, state: DashboardState) {
        let entities = frame.snapshot.entities
        var prompt: String?
        var columns: [Column] = []
        var title = "side by side"
        var revealed = true
        if let pair = state.pairs.shown, frame.mode == .compare || state.pairs.browsing != nil {
            revealed = pair.isRevealed
            prompt = pair.group.prompt
            let voting = pair.matchup
            columns = pair.order.enumerated().map { i, entity in
                let letter = PairQueue.letter(i)
                let inMatchup = voting.map { $0.0 == i || $0.1 == i } ?? true
                return Column(
                    label: revealed ? "\(letter) = \(entities[entity].info.name)" : letter,
                    role: revealed ? .entity(entity) : inMatchup ? .hiFg : .inactiveFg,
                    record: pair.group.records[entity])
            }
            title = compareTitle(pair, state: state)
        } else if frame.mode == .compare {
            title = "compare · blind · waiting for a prompt's answers"
        } else {
            // Split mode: each entity's latest answer (matching the filter, if any), each under its own prompt.
            let records =
                state.filter.map { f in
                    frame.records.filter {
                        DashboardState.matches($0.prompt, f) || DashboardState.matches($0.output, f)
                    }
                } ?? frame.records
            let latest = Dictionary(records.map { ($0.outcome.entity, $0) }, uniquingKeysWith: { _, b in b })
            columns = entities.indices.map {
                Column(label: entities[$0].info.name, role: .entity($0), record: latest[$0], prompt: latest[$0]?.prompt)
            }
            title =
                state.filter.map { "side by side · latest answers matching \"\($0)\" (Esc clears)" }
                ?? "side by side · each entity's latest answer"
        }
        canvas.box(
            x: rect.x, y: rect.y, width: rect.width, height: rect.height, title: title,
            role: state.focus == .outputs ? .hiFg : .border)
        let inner = rect.inner
        guard inner.height >= 3, inner.width > 10, !columns.isEmpty else {
            canvas.put(
                "waiting for the first answers…", x: inner.x, y: inner.y, role: .inactiveFg, limit: inner.width)
            return
        }
        var top = inner.y
        if let prompt {
            canvas.put("› " + prompt, x: inner.x, y: top, role: .title, style: .bold, limit: inner.width)
            top += 1
        }
        let gap = 2
        let columnWidth = (inner.width - gap * (columns.count - 1)) / columns.count
        guard columnWidth >= 8 else { return }
        for (i, column) in columns.enumerated() {
            let x = inner.x + i * (columnWidth + gap)
            var y = top
            var head = column.label
            if let r = column.record {
                let o = r.outcome
                if revealed {
                    head += " · " + Text.ms(Double(o.timing.e2eNanoseconds) / 1e6) + " · \(o.usage.output) tok"
                    if let e = o.error { head += " · \(e.rawValue)" }
                    // The prompt's expectation: met, or what was wrong.
                    if let c = r.check { head += c.passed ? " · ✓" : " · ✗ " + c.reason }
                } else if o.error != nil {
                    head += " · failed"  // the kind of error could name the provider
                }
            }
            canvas.put(Text.fit(head, columnWidth), x: x, y: y, role: column.role, style: .bold)
            y += 1
            if let own = column.prompt {
                canvas.put(Text.fit("› " + own, columnWidth), x: x, y: y, role: .inactiveFg)
                y += 1
            }
            let body = column.record.map { r in r.output.isEmpty ? (r.errorMessage ?? "") : r.output } ?? "…"
            let visible = inner.y + inner.height - y
            guard visible > 0 else { continue }
            let lines = Text.wrap(body, columnWidth, maxLines: state.outputScroll + visible)
            let start = min(state.outputScroll, max(0, lines.count - visible))
            for (row, line) in lines.dropFirst(start).prefix(visible).enumerated() {
                canvas.put(
                    line, x: x, y: y + row, role: column.record?.outcome.error == nil ? .mainFg : .bad,
                    limit: columnWidth)
            }
        }
    }

    /// The pane's title in compare mode: what to press, which match-up, how many pairs wait.
    static func compareTitle(_ pair: PairQueue.Pair, state: DashboardState) -> String {
        let queue = state.pairs
        var parts = ["compare"]
        if let at = queue.browsing {
            parts.append("past pair \(at + 1) of \(queue.history.count) ([ older, ] newer)")
            parts.append(pair.isRevealed ? "voted" : "skipped")
        } else if pair.isRevealed {
            parts.append("voted \(pair.choices.count == 1 ? voteWord(pair.choices[0], pair: (0, 1)) : "all pairs")")
            parts.append("s: next")
        } else {
            parts.append("blind")
            parts.append(matchupWord(pair))
        }
        // The count before the key hints: on a narrow screen the hints are what is cut.
        if !queue.waiting.isEmpty { parts.append("\(queue.waiting.count) waiting") }
        if queue.browsing == nil, !pair.isRevealed { parts.append("1 left 2 right t tie b both bad · s skip") }
        return parts.joined(separator: " · ")
    }

    /// `A vs B`, with `2/6` when there are more match-ups than one.
    static func matchupWord(_ pair: PairQueue.Pair) -> String {
        guard let (i, j) = pair.matchup else { return "voted" }
        let step = pair.matchups.count > 1 ? " (\(pair.choices.count + 1)/\(pair.matchups.count))" : ""
        return "\(PairQueue.letter(i)) vs \(PairQueue.letter(j))" + step
    }

    static func voteWord(_ c: Vote.Choice, pair: (Int, Int) = (0, 1)) -> String {
        switch c {
        case .aBetter: "\(PairQueue.letter(pair.0)) better"
        case .bBetter: "\(PairQueue.letter(pair.1)) better"
        case .tie: "tie"
        case .bothBad: "both bad"
        }
    }
}
