import ABCore

/// The event log: errors, retries, fallbacks, breaker changes, split changes; newest last.
enum EventsPanel {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, frame: DashboardFrame, state: DashboardState) {
        canvas.box(
            x: rect.x, y: rect.y, width: rect.width, height: rect.height,
            title: state.filter.map { "events · matching \"\($0)\" (Esc clears)" } ?? "events",
            role: state.focus == .events ? .hiFg : .border)
        let inner = rect.inner
        guard inner.height > 0 else { return }
        let events =
            state.filter.map { f in frame.events.filter { DashboardState.matches($0.message, f) } } ?? frame.events
        let end = max(0, events.count - state.eventScroll)
        for (row, event) in events[..<end].suffix(inner.height).enumerated() {
            let role: Role =
                switch event.kind {
                case .error, .breakerOpened: .bad
                case .retry, .fallback, .notSent: .warn
                case .breakerClosed: .good
                case .split, .mode: .hiFg
                }
            canvas.put(
                Text.clock(event.time) + " " + event.message, x: inner.x, y: inner.y + row, role: role,
                limit: inner.width)
        }
    }
}
