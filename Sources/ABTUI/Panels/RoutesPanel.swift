import ABCore

/// The routes table: one row per entity, its traffic bar doubling as the split slider (DESIGN §7).
/// Columns are declared once with a priority; narrow terminals drop the least important first.
enum RoutesPanel {
    struct Column: Sendable {
        let title: String
        let width: Int
        let priority: Int
        let right: Bool
        let value: @Sendable (EntitySnapshot) -> (String, Role)
    }

    static let columns: [Column] = [
        Column(title: "REQS", width: 6, priority: 1, right: true) { (String($0.requests), .mainFg) },
        Column(title: "ERR", width: 6, priority: 1, right: true) { e in
            guard e.requests > 0 else { return ("—", .inactiveFg) }
            let rate = Double(e.errorCount) / Double(e.requests)
            return ("\(Text.fixed(rate * 100, 1))%", rate == 0 ? .good : rate < 0.05 ? .warn : .bad)
        },
        Column(title: "P50", width: 7, priority: 1, right: true) { (Text.ms($0.e2e?.p50), .mainFg) },
        Column(title: "P95", width: 7, priority: 2, right: true) { (Text.ms($0.e2e?.p95), .mainFg) },
        Column(title: "P99", width: 7, priority: 4, right: true) { (Text.ms($0.e2e?.p99), .mainFg) },
        Column(title: "TTFT", width: 7, priority: 2, right: true) { (Text.ms($0.ttft?.p50), .mainFg) },
        // Cost outlasts decode speed on a narrow screen: people decide on it.
        Column(title: "TOK/S", width: 6, priority: 4, right: true) { e in
            (e.decodeTokensPerSecond.map { Text.fixed($0, 0) } ?? "—", .mainFg)
        },
        Column(title: "COST", width: 8, priority: 3, right: true) { e in
            (
                e.costUSD.map { $0 > 0 && $0 < 0.001 ? "<$0.001" : "$" + Text.fixed($0, $0 < 1 ? 3 : 2) } ?? "—",
                .mainFg
            )
        },
        Column(title: "MODEL", width: 22, priority: 5, right: false) { (Text.fit($0.info.model, 22), .inactiveFg) },
    ]

    /// Answers that met their prompt's `"expect"`: a column only when prompts have expectations.
    static let checksColumn = Column(title: "PASS", width: 6, priority: 2, right: true) { e in
        guard e.checks.run > 0 else { return ("—", .inactiveFg) }
        let rate = Double(e.checks.passed) / Double(e.checks.run)
        return ("\(Text.fixed(rate * 100, 0))%", rate >= 0.95 ? .good : rate >= 0.8 ? .warn : .bad)
    }

    /// What each arm sends beyond the prompt (system prompt, temperature…): a column only where arms have
    /// settings, and then an early one (it is what the A/B is about), ahead of cost, speed and the model.
    static let settingsColumn = Column(title: "ARM SETTINGS", width: 24, priority: 2, right: false) {
        (Text.fit($0.info.settings ?? "as requested", 24), .inactiveFg)
    }

    static func nameWidth(_ entities: [EntitySnapshot]) -> Int {
        min(20, max(8, entities.map { DisplayWidth.of($0.info.name) }.max() ?? 8))
    }

    /// Where the slider bars are in the pane's inside: after the marker and the name.
    static func sliderColumns(_ inner: Rect, _ entities: [EntitySnapshot]) -> (x: Int, width: Int) {
        (inner.x + 2 + nameWidth(entities) + 1, inner.width >= 100 ? 22 : 12)
    }

    static func draw(
        _ canvas: inout Canvas, _ rect: Rect, frame: DashboardFrame, state: DashboardState,
        breakers: [String?]
    ) {
        canvas.box(
            x: rect.x, y: rect.y, width: rect.width, height: rect.height,
            title: frame.mode == .compare
                ? "routes · compare mode: every prompt to every entity (the split, \(frame.snapshot.epoch.weights), "
                    + "applies in split mode)"
                : "routes · split epoch \(frame.snapshot.epoch.index) · \(frame.snapshot.epoch.weights)"
                    + (state.slider.map { " → \($0.weights) when the slider rests" } ?? ""),
            role: state.focus == .routes ? .hiFg : .border)
        let inner = rect.inner
        guard inner.width > 20, inner.height > 0 else { return }
        let entities = frame.snapshot.entities
        // Compare mode sends every prompt to every entity: a share of assignments means nothing there.
        let compare = frame.mode == .compare
        let nameWidth = Self.nameWidth(entities)
        let sliderWidth = Self.sliderColumns(inner, entities).width
        let fixed = 2 + nameWidth + 1 + sliderWidth + 5 + 7
        // Take columns by priority while they fit, then show them in their declared order.
        var budget = inner.width - fixed
        // Embeddings are never streamed: no time to first token, no decode speed.
        let columns =
            Self.columns.filter { frame.task != .embeddings || !["TTFT", "TOK/S"].contains($0.title) }
            + (entities.contains { $0.checks.run > 0 } ? [Self.checksColumn] : [])
            + (entities.contains { $0.info.settings != nil } ? [Self.settingsColumn] : [])
        var chosen = Set<Int>()
        for (i, column) in columns.enumerated().sorted(by: { $0.element.priority < $1.element.priority }) {
            if column.width + 1 <= budget {
                chosen.insert(i)
                budget -= column.width + 1
            }
        }
        let shown = columns.enumerated().filter { chosen.contains($0.offset) }.map(\.element)

        var header =
            String(repeating: " ", count: 2) + "ENTITY".padding(nameWidth) + " "
            + "TARGET SPLIT".padding(sliderWidth) + " " + "TGT".leftPadded(4) + " "
            + (compare ? "" : "SEEN").leftPadded(6)
        for c in shown { header += " " + (c.right ? c.title.leftPadded(c.width) : c.title.padding(c.width)) }
        canvas.put(header, x: inner.x, y: inner.y, role: .graphText, style: .bold, limit: inner.width)

        for (row, e) in entities.enumerated() where row + 1 < inner.height {
            let y = inner.y + 1 + row
            let isSelected = row == state.selected
            let style: Style = isSelected ? [.bold] : []
            var x = inner.x
            x += canvas.put(isSelected ? "▶ " : "  ", x: x, y: y, role: .hiFg, style: .bold)
            x += canvas.put(
                Text.fitName(e.info.name, nameWidth).padding(nameWidth), x: x, y: y, role: .entity(row), style: style)
            x += 1
            // A slider being moved shows where it is going.
            let target = state.slider?.weights.percentages[safe: row] ?? e.targetPercentage
            let filled = Int((Double(target) / 100 * Double(sliderWidth)).rounded())
            // In compare mode the split is not in use: its bar is drawn dim.
            canvas.put(String(repeating: "█", count: filled), x: x, y: y, role: compare ? .inactiveFg : .sliderFill)
            canvas.put(String(repeating: "░", count: sliderWidth - filled), x: x + filled, y: y, role: .sliderEmpty)
            if !compare, let observed = e.observedShare {
                let mark = min(sliderWidth - 1, Int(observed * Double(sliderWidth)))
                canvas.put("┃", x: x + mark, y: y, role: .hiFg)
            }
            if let label = breakers[safe: row] ?? nil {
                // A cooling entity's share goes to the others: say so on its slider.
                canvas.put(
                    Text.fit("⏸ " + label, sliderWidth), x: x, y: y, role: .bad, style: [.bold, .reverse],
                    limit: sliderWidth)
            }
            x += sliderWidth + 1
            x += canvas.put("\(target)%".leftPadded(4), x: x, y: y, role: .hiFg, style: .bold) + 1
            let seen = compare ? "" : e.observedShare.map { Text.fixed($0 * 100, 1) + "%" } ?? "—"
            x += canvas.put(seen.leftPadded(6), x: x, y: y, role: .mainFg)
            for c in shown {
                let (text, role) = c.value(e)
                x += 1
                x += canvas.put(
                    c.right ? text.leftPadded(c.width) : text.padding(c.width), x: x, y: y, role: role,
                    limit: c.width)
            }
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        let w = DisplayWidth.of(self)
        return w >= width ? self : self + String(repeating: " ", count: width - w)
    }

    func leftPadded(_ width: Int) -> String { Text.padLeft(self, width) }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
