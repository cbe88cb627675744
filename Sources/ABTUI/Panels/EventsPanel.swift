import ABCore

/// The event log: errors, retries, fallbacks, breaker changes, split changes; newest last.
enum EventsPanel {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, frame: DashboardFrame, state: DashboardState) {
        canvas.box(
            x: rect.x, y: rect.y, width: rect.width, height: rect.height, title: "events",
            role: state.focus == .events ? .hiFg : .border)
        let inner = rect.inner
        guard inner.height > 0 else { return }
        let end = max(0, frame.events.count - state.eventScroll)
        for (row, event) in frame.events[..<end].suffix(inner.height).enumerated() {
            let role: Role =
                switch event.kind {
                case .error, .breakerOpened: .bad
                case .retry, .fallback, .notSent: .warn
                case .breakerClosed: .good
                case .split: .hiFg
                }
            canvas.put(
                Text.clock(event.time) + " " + event.message, x: inner.x, y: inner.y + row, role: role,
                limit: inner.width)
        }
    }
}
