import ABCore

/// Where the dashboard's panes and sliders are on a screen of a given size: the one computation `DashboardView`
/// draws by and a mouse click is read against, so a click lands where the eye sees it.
public struct DashboardLayout: Sendable, Equatable {
    public var routes: Rect
    public var spark: Rect?
    public var outputs: Rect?
    public var events: Rect
    /// The slider bars' columns (the same for every entity row) and the first entity row.
    public var sliderX: Int
    public var sliderWidth: Int
    public var firstRow: Int
    public var rows: Int

    /// The entity whose routes row is at screen row `y`, if any.
    public func entity(atRow y: Int) -> Int? {
        let i = y - firstRow
        return (0..<rows).contains(i) ? i : nil
    }

    /// The percentage a click at column `x` of a slider means, or nil off the bar.
    public func percentage(atColumn x: Int) -> Int? {
        guard x >= sliderX, x < sliderX + sliderWidth, sliderWidth > 1 else { return nil }
        return Int((Double(x - sliderX) / Double(sliderWidth - 1) * 100).rounded())
    }

    static func contains(_ r: Rect, _ x: Int, _ y: Int) -> Bool {
        x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
    }

    /// The pane under (x, y).
    public func pane(at x: Int, _ y: Int) -> DashboardState.Pane? {
        if Self.contains(routes, x, y) { return .routes }
        if let outputs, Self.contains(outputs, x, y) { return .outputs }
        if Self.contains(events, x, y) { return .events }
        return nil
    }
}

extension DashboardView {
    /// The layout `render` draws at `width` × `height` (nil where the screen is too small, or while serve waits for
    /// an endpoint).
    public static func layout(_ frame: DashboardFrame, width: Int, height: Int, scorecard: Bool = false)
        -> DashboardLayout?
    {
        guard width >= 40, height >= 12, frame.waiting == nil else { return nil }
        let n = frame.snapshot.entities.count
        let lines = scorecard ? ScorecardPanel.lines(frame).count : VerdictPanel.lines(frame).count
        let verdictRows = verdictRows(lines, entities: n, scorecard: scorecard, height: height)
        let routesHeight = n + 3
        let sparkHeight = height >= 30 ? n + 2 : 0
        let rest = height - 1 - routesHeight - sparkHeight - verdictRows - 1
        let eventsHeight = max(3, min(10, rest / 3))
        let outputsHeight = rest - eventsHeight
        var y = 1
        let routes = Rect(x: 0, y: y, width: width, height: routesHeight)
        y += routesHeight
        let spark = sparkHeight > 0 ? Rect(x: 0, y: y, width: width, height: sparkHeight) : nil
        y += sparkHeight
        let outputs = outputsHeight >= 4 ? Rect(x: 0, y: y, width: width, height: outputsHeight) : nil
        y += max(0, outputsHeight) + verdictRows
        let events = Rect(x: 0, y: y, width: width, height: height - 1 - y)
        let (sliderX, sliderWidth) = RoutesPanel.sliderColumns(routes.inner, frame.snapshot.entities)
        return DashboardLayout(
            routes: routes, spark: spark, outputs: outputs, events: events, sliderX: sliderX,
            sliderWidth: sliderWidth, firstRow: routes.inner.y + 1, rows: n)
    }
}
