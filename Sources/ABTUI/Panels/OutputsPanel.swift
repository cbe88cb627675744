import ABCore

/// The side-by-side pane: the prompt, then each entity's answer in its own column with its latency and tokens.
/// In compare mode the columns are blind (A, B, … in a per-prompt shuffled order) until the user votes.
enum OutputsPanel {
    struct Column {
        let label: String
        let role: Role
        let record: RequestRecord?
    }

    static func draw(_ canvas: inout Canvas, _ rect: Rect, frame: DashboardFrame, state: DashboardState) {
        let entities = frame.snapshot.entities
        var prompt = ""
        var columns: [Column] = []
        var title = "side by side"
        let recentVote = state.lastVote.flatMap { frame.snapshot.time - $0.time < 5 ? $0.group : nil }
        if frame.mode == .compare,
            let group = DashboardState.latestGroup(frame.records, entities: entities.count, preferring: recentVote)
        {
            let revealed = state.voted[group.id] != nil
            prompt = group.records.values.first?.prompt ?? ""
            columns = group.order.enumerated().map { i, entity in
                let letter = String(UnicodeScalar(UInt8(65 + i)))
                let label = revealed ? "\(letter) = \(entities[entity].info.name)" : letter
                return Column(label: label, role: revealed ? .entity(entity) : .hiFg, record: group.records[entity])
            }
            title =
                revealed
                ? "compare · voted \(voteWord(state.voted[group.id]!))"
                : "compare · blind · vote 1 (A) 2 (B) t (tie) b (both bad)"
        } else {
            // Split mode: each entity's latest answer.
            let latest = Dictionary(frame.records.map { ($0.outcome.entity, $0) }, uniquingKeysWith: { _, b in b })
            prompt = frame.records.last?.prompt ?? ""
            columns = entities.indices.map {
                Column(label: entities[$0].info.name, role: .entity($0), record: latest[$0])
            }
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
        canvas.put("› " + prompt, x: inner.x, y: inner.y, role: .title, style: .bold, limit: inner.width)
        let gap = 2
        let columnWidth = (inner.width - gap * (columns.count - 1)) / columns.count
        guard columnWidth >= 8 else { return }
        for (i, column) in columns.enumerated() {
            let x = inner.x + i * (columnWidth + gap)
            var head = column.label
            if let r = column.record {
                let o = r.outcome
                head += " · " + Text.ms(Double(o.timing.e2eNanoseconds) / 1e6) + " · \(o.usage.output) tok"
                if let e = o.error { head += " · \(e.rawValue)" }
                // The prompt's expectation: met, or what was wrong.
                if let c = r.check { head += c.passed ? " · ✓" : " · ✗ " + c.reason }
            }
            canvas.put(Text.fit(head, columnWidth), x: x, y: inner.y + 1, role: column.role, style: .bold)
            let body = column.record.map { r in r.output.isEmpty ? (r.errorMessage ?? "") : r.output } ?? "…"
            let visible = inner.height - 2
            let lines = Text.wrap(body, columnWidth, maxLines: state.outputScroll + visible)
            let start = min(state.outputScroll, max(0, lines.count - visible))
            for (row, line) in lines.dropFirst(start).prefix(visible).enumerated() {
                canvas.put(
                    line, x: x, y: inner.y + 2 + row, role: column.record?.outcome.error == nil ? .mainFg : .bad,
                    limit: columnWidth)
            }
        }
    }

    static func voteWord(_ c: Vote.Choice) -> String {
        switch c {
        case .aBetter: "A better"
        case .bBetter: "B better"
        case .tie: "tie"
        case .bothBad: "both bad"
        }
    }
}
