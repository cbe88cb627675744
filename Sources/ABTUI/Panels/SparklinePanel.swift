import ABCore

/// Latency and request-rate sparklines per entity over the last minutes (one bucket per second).
enum SparklinePanel {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, frame: DashboardFrame) {
        canvas.box(
            x: rect.x, y: rect.y, width: rect.width, height: rect.height, title: "latency (mean E2E per s) · req/s")
        let inner = rect.inner
        guard inner.width > 24 else { return }
        let nameWidth = min(14, max(6, frame.snapshot.entities.map { DisplayWidth.of($0.info.name) }.max() ?? 6))
        let graphs = inner.width - nameWidth - 2 - 16
        let latencyWidth = graphs * 2 / 3
        let rateWidth = graphs - latencyWidth
        for (row, e) in frame.snapshot.entities.enumerated() where row < inner.height {
            let y = inner.y + row
            var x = inner.x
            x += canvas.put(
                Text.fitName(e.info.name, nameWidth).padding(nameWidth) + " ", x: x, y: y, role: .entity(row))
            let latency = e.recent.map { $0.meanLatencyMilliseconds }
            x += canvas.put(Sparkline.render(latency, width: latencyWidth), x: x, y: y, role: .entity(row))
            let last = latency.last(where: { $0 != nil }) ?? nil
            x += canvas.put(" " + Text.ms(last).leftPadded(7), x: x, y: y, role: .graphText)
            x += 1
            let rates = e.recent.dropLast().map { Double($0.requests) as Double? }
            x += canvas.put(Sparkline.render(Array(rates), width: rateWidth), x: x, y: y, role: .graphText)
            let rate = e.recent.dropLast().suffix(5).reduce(0) { $0 + $1.requests }
            canvas.put(" " + (Text.fixed(Double(rate) / 5, 1) + "/s").leftPadded(6), x: x, y: y, role: .graphText)
        }
    }
}
