import ABCore

/// Renders a frame into a canvas of the given size: header, routes, sparklines, side by side, verdicts, events,
/// footer; adapts from 80×24 up. Pure, so tests compare the text at fixed sizes.
public enum DashboardView {
    public static func render(
        _ frame: DashboardFrame, state: DashboardState, width: Int, height: Int,
        themeName: String = "default"
    ) -> Canvas {
        var canvas = Canvas(width: width, height: height)
        guard width >= 40, height >= 12 else {
            canvas.put("abtop needs at least 40×12 (now \(width)×\(height))", x: 0, y: 0, role: .warn, limit: width)
            return canvas
        }
        let s = frame.snapshot
        let n = s.entities.count
        header(&canvas, frame: frame, width: width)
        if let waiting = frame.waiting {
            let top = max(2, (height - waiting.count) / 2)
            for (i, line) in waiting.enumerated() where top + i < height - 1 {
                let x = max(1, (width - DisplayWidth.of(line)) / 2)
                canvas.put(line, x: x, y: top + i, role: i == 0 ? .title : .mainFg, limit: width - x - 1)
            }
            footer(&canvas, frame: frame, state: state, width: width, y: height - 1, themeName: themeName)
            if state.showHelp { help(&canvas, width: width, height: height) }
            return canvas
        }

        let verdicts = state.showScorecard ? ScorecardPanel.lines(frame) : VerdictPanel.lines(frame)
        let verdictRows = Self.verdictRows(verdicts.count, entities: n, scorecard: state.showScorecard, height: height)
        let routesHeight = n + 3
        let sparkHeight = height >= 30 ? n + 2 : 0
        let rest = height - 1 - routesHeight - sparkHeight - verdictRows - 1
        let eventsHeight = max(3, min(10, rest / 3))
        let outputsHeight = rest - eventsHeight
        var y = 1
        let breakers = s.entities.indices.map { i in frame.breakerLabels[safe: i] ?? nil }
        RoutesPanel.draw(
            &canvas, Rect(x: 0, y: y, width: width, height: routesHeight), frame: frame, state: state,
            breakers: breakers)
        y += routesHeight
        if sparkHeight > 0 {
            SparklinePanel.draw(&canvas, Rect(x: 0, y: y, width: width, height: sparkHeight), frame: frame)
            y += sparkHeight
        }
        if outputsHeight >= 4 {
            OutputsPanel.draw(
                &canvas, Rect(x: 0, y: y, width: width, height: outputsHeight), frame: frame, state: state)
            y += outputsHeight
        } else {
            y += max(0, outputsHeight)
        }
        for (line, role) in verdicts.prefix(verdictRows) {
            canvas.put(line, x: 1, y: y, role: role, limit: width - 2)
            y += 1
        }
        EventsPanel.draw(&canvas, Rect(x: 0, y: y, width: width, height: height - 1 - y), frame: frame, state: state)
        footer(&canvas, frame: frame, state: state, width: width, y: height - 1, themeName: themeName)
        if state.showHelp { help(&canvas, width: width, height: height) }
        return canvas
    }

    /// Rows under the answers for the verdicts (up to 5 on a tall screen, 2 otherwise), or for the scorecard (its
    /// header and one row per arm, as the screen allows).
    static func verdictRows(_ lines: Int, entities: Int, scorecard: Bool, height: Int) -> Int {
        scorecard ? min(lines, entities + 1, max(2, height / 4)) : min(lines, height >= 40 ? 5 : 2)
    }

    static func header(_ canvas: inout Canvas, frame: DashboardFrame, width: Int) {
        let s = frame.snapshot
        var x = canvas.put(" abtop ", x: 0, y: 0, role: .title, style: [.bold, .reverse])
        x += canvas.put(" \(frame.endpoint)", x: x, y: 0, role: .title, style: .bold)
        if frame.endpoints.count > 1 {
            x += canvas.put(
                " [\(frame.endpointIndex + 1)/\(frame.endpoints.count), n: next]", x: x, y: 0, role: .inactiveFg)
        }
        var parts = [
            frame.serving ? "serve" : frame.mode.rawValue, Text.clock(s.time),
            "\(Text.fixed(s.requestsPerSecond, 1)) req/s",
            "\(s.inFlight) in flight", "\(s.totalRequests) done",
        ]
        // The target is prompts a second; in compare mode each prompt is one request per entity.
        if let rate = frame.rate {
            parts.append(
                frame.mode == .compare
                    ? "target \(Text.fixed(rate, 1)) prompts/s × \(s.entities.count)"
                    : "target \(Text.fixed(rate, 1))/s")
        }
        x += canvas.put(" · " + parts.joined(separator: " · "), x: x, y: 0, role: .mainFg, limit: width - x)
        if frame.paused { canvas.put(" PAUSED ", x: max(0, width - 8), y: 0, role: .warn, style: [.bold, .reverse]) }
    }

    static func footer(
        _ canvas: inout Canvas, frame: DashboardFrame, state: DashboardState, width: Int, y: Int,
        themeName: String
    ) {
        if let input = state.promptInput {
            let x = canvas.put(" prompt › ", x: 0, y: y, role: .hiFg, style: .bold)
            canvas.put(input + "█", x: x, y: y, role: .title, limit: width - x)
            return
        }
        if let input = state.filterInput {
            let x = canvas.put(" filter / ", x: 0, y: y, role: .hiFg, style: .bold)
            canvas.put(input + "█", x: x, y: y, role: .title, limit: width - x)
            return
        }
        let status = state.flash ?? frame.status
        // Serve's keys are its own (no load to pause, pace or compare), and its address stays in view.
        let right = frame.serving ? (frame.address ?? themeName) : themeName
        let rightWidth = DisplayWidth.of(right)
        if let status {
            canvas.put(" " + status, x: 0, y: y, role: .hiFg, limit: width)
        } else if frame.serving {
            // The hints come from the keymap's footer table, checked against the bindings: they cannot drift.
            let hints = Keymap.footer(serving: true, narrow: width < 100)
            canvas.put(" " + hints, x: 0, y: y, role: .inactiveFg, limit: max(0, width - rightWidth - 3))
            if rightWidth + 2 < width { canvas.put(right, x: width - rightWidth - 1, y: y, role: .hiFg) }
        } else if width >= 110 {
            let hints = Keymap.footer(serving: false, narrow: false)
            canvas.put(" " + hints, x: 0, y: y, role: .inactiveFg, limit: width - DisplayWidth.of(themeName) - 3)
            canvas.put(themeName, x: width - DisplayWidth.of(themeName) - 1, y: y, role: .inactiveFg)
        } else {
            canvas.put(" " + Keymap.footer(serving: false, narrow: true), x: 0, y: y, role: .inactiveFg, limit: width)
        }
    }

    /// The help overlay, generated from the keymap table so it cannot drift from the bindings.
    static func help(_ canvas: inout Canvas, width: Int, height: Int) {
        let rows = Keymap.bindings.map { "\($0.label.padding(9)) \($0.help)" }
        // Every key is listed: when one column does not fit the height, two columns (each cut with …).
        let fitsOne = rows.count + 4 <= height - 2
        let columns = fitsOne ? 1 : 2
        let perColumn = (rows.count + columns - 1) / columns
        let widest = (rows.map { DisplayWidth.of($0) }.max() ?? 20) + 2
        let w = min(width - 2, widest * columns + 4)
        let h = min(height - 2, perColumn + 4)
        let x = (width - w) / 2
        let y = (height - h) / 2
        let columnWidth = (w - 4) / columns
        canvas.fill(x: x, y: y, width: w, height: h)
        canvas.box(x: x, y: y, width: w, height: h, title: "keys (any key closes)", role: .hiFg)
        for (i, row) in rows.enumerated() {
            let column = i / perColumn
            let line = i % perColumn
            guard line < h - 4 else { continue }
            canvas.put(row, x: x + 2 + column * columnWidth, y: y + 1 + line, role: .mainFg, limit: columnWidth - 1)
        }
        canvas.put(
            "a slider's split applies when the slider rests: one split epoch", x: x + 2, y: y + h - 2,
            role: .inactiveFg, limit: w - 4)
    }
}
