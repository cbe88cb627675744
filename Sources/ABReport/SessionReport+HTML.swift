import ABCore
import Foundation

extension SessionReport {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#bcbd22", "#8c564b"]

    /// One self-contained HTML file: the report's outline (`SessionReport+Outline.swift`) with inline SVG charts
    /// (latency CDF per entity, share and error rate over time). No scripts, no external resources; prints cleanly.
    public func html() -> String {
        let s = summary
        let body = htmlBody()
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>abtop report: \(esc(s.endpoint))</title>
            <style>
            body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#222;\
            max-width:1100px;margin:2em auto;padding:0 1em}
            h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
            table{border-collapse:collapse;width:100%;font-size:13px}\
            th,td{border:1px solid #ddd;padding:4px 6px;text-align:left}
            th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
            .meta{color:#666}.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:6px}
            .bad{color:#c00}.bottom{font-size:1.1em}
            svg{width:100%;height:auto;border:1px solid #eee}svg text{font:11px sans-serif;fill:#444}
            .sample{border:1px solid #ddd;padding:8px;margin:10px 0;break-inside:avoid}.prompt{font-weight:600}
            .cols{display:flex;gap:16px}.cols>div{flex:1}.cols h3{font-size:13px;margin:0}
            @media print{body{margin:0;max-width:none}h2{break-after:avoid}}
            </style></head><body>
            \(body)
            </body></html>

            """
    }

    enum TimeMetric { case share, errors }

    /// A cumulative distribution of each entity's E2E latency (successes, outside fallbacks).
    func latencyCDF() -> String {
        var series: [[Double]] = Array(repeating: [], count: names.count)
        for r in records where r.outcome.error == nil && !r.outcome.isFallback {
            series[r.outcome.entity].append(Double(r.outcome.timing.e2eNanoseconds) / 1e6)
        }
        let all = series.flatMap { $0 }.sorted()
        guard !all.isEmpty else { return "<p>No successful requests.</p>\n" }
        let xMax = max(1, all[min(all.count - 1, Int(Double(all.count) * 0.99))] * 1.1)
        return chart(
            xLabel: "latency (ms)", xMax: xMax, yLabel: "fraction of requests", yMax: 1,
            lines: series.enumerated().map { i, values in
                let sorted = values.sorted()
                let points = sorted.enumerated().filter {
                    $0.offset % max(1, sorted.count / 400) == 0 || $0.offset == sorted.count - 1
                }
                .map { (min($0.element, xMax), Double($0.offset + 1) / Double(sorted.count)) }
                return (names[i], points)
            })
    }

    /// Share of requests (or error rate) per entity in 5-second windows.
    func overTime(metric: TimeMetric) -> String {
        let window = 5.0
        let last = records.map { Double($0.outcome.timing.end) / 1e9 }.max() ?? 0
        // The last window is cut short by the end of the run (a few requests, cancelled ones): it is left out
        // rather than drawn as a spike, unless it is the only one.
        let buckets = max(1, Int(last / window))
        var counts = Array(repeating: Array(repeating: 0, count: buckets), count: names.count)
        var errors = counts
        var compared = Array(repeating: false, count: buckets)
        for r in records where !r.outcome.isFallback {
            let b = Int(Double(r.outcome.timing.end) / 1e9 / window)
            guard b < buckets else { continue }
            if r.group != nil { compared[b] = true }
            counts[r.outcome.entity][b] += 1
            if r.outcome.error != nil { errors[r.outcome.entity][b] += 1 }
        }
        let lines = names.indices.map { i -> (String, [(Double, Double)]) in
            let points = (0..<buckets).compactMap { b -> (Double, Double)? in
                let total = names.indices.reduce(0) { $0 + counts[$1][b] }
                switch metric {
                case .share:
                    return total > 0 ? (Double(b) * window + window / 2, Double(counts[i][b]) / Double(total)) : nil
                case .errors:
                    return counts[i][b] > 0
                        ? (Double(b) * window + window / 2, Double(errors[i][b]) / Double(counts[i][b])) : nil
                }
            }
            return (names[i], points)
        }
        let yMax = metric == .share ? 1 : max(0.05, (lines.flatMap { $0.1.map(\.1) }.max() ?? 0) * 1.2)
        // Windows in compare mode (every prompt to every entity) are shaded: shares mean nothing there.
        let bands = compared.indices.filter { compared[$0] }.map { (Double($0) * window, Double($0 + 1) * window) }
        return chart(
            xLabel: "time (s)", xMax: max(window, Double(buckets) * window),
            yLabel: metric == .share ? "share" : "error rate",
            yMax: yMax, lines: lines, bands: bands)
    }

    /// A step for about four ticks over `range` that reads well: 1, 2, 2.5 or 5 times a power of ten.
    static func niceStep(_ range: Double) -> Double {
        guard range > 0, range.isFinite else { return 1 }
        let raw = range / 4
        let power = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / power
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10
        return nice * power
    }

    /// A line chart in SVG with axes, round ticks, a legend and shaded bands (compare-mode periods).
    func chart(
        xLabel: String, xMax rawXMax: Double, yLabel: String, yMax rawYMax: Double,
        lines: [(String, [(Double, Double)])], bands: [(Double, Double)] = []
    ) -> String {
        let xStep = Self.niceStep(rawXMax)
        let yStep = rawYMax == 1 ? 0.25 : Self.niceStep(rawYMax)
        let xMax = (rawXMax / xStep).rounded(.up) * xStep
        let yMax = (rawYMax / yStep).rounded(.up) * yStep
        let w = 760.0
        let h = 280.0
        let left = 56.0
        let bottom = 36.0
        let top = 12.0
        let right = 150.0
        let pw = w - left - right
        let ph = h - top - bottom
        func x(_ v: Double) -> Double { left + v / xMax * pw }
        func y(_ v: Double) -> Double { top + ph - v / yMax * ph }
        var svg =
            "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
            + "aria-label=\"\(esc(yLabel)) by \(esc(xLabel))\">\n"
        for (from, to) in bands {
            svg +=
                "<rect class=\"band\" x=\"\(f(x(from)))\" y=\"\(f(top))\" width=\"\(f(x(to) - x(from)))\" "
                + "height=\"\(f(ph))\" fill=\"#f3efe0\"><title>compare mode</title></rect>\n"
        }
        if let first = bands.first {
            svg += "<text x=\"\(f(x(first.0) + 4))\" y=\"\(f(top + 12))\" fill=\"#998\">compare mode</text>\n"
        }
        // As many decimals as the step needs: 0.25 → 2, 0.02 → 2, 0.5 → 1, 2500 → 0.
        let places = { (step: Double) -> Int in
            guard step < 1 else { return 0 }
            let digits = Int((-log10(step)).rounded(.up))
            let scaled = step * pow(10, Double(digits))
            return digits + (abs(scaled - scaled.rounded()) > 1e-9 ? 1 : 0)
        }
        for t in 0...Int((yMax / yStep).rounded()) {
            let yv = Double(t) * yStep
            svg +=
                "<line x1=\"\(f(left))\" y1=\"\(f(y(yv)))\" x2=\"\(f(left + pw))\" y2=\"\(f(y(yv)))\" stroke=\"#eee\"/>"
            svg +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(y(yv) + 4))\" text-anchor=\"end\">"
                + "\(Format.fixed(yv, places(yStep)))</text>"
        }
        for t in 0...Int((xMax / xStep).rounded()) {
            let xv = Double(t) * xStep
            svg +=
                "<text x=\"\(f(x(xv)))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">"
                + "\(Format.fixed(xv, places(xStep)))</text>\n"
        }
        svg +=
            "<line x1=\"\(f(left))\" y1=\"\(f(top + ph))\" "
            + "x2=\"\(f(left + pw))\" y2=\"\(f(top + ph))\" stroke=\"#888\"/>"
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + ph))\" stroke=\"#888\"/>\n"
        svg += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(h - 4))\" text-anchor=\"middle\">\(esc(xLabel))</text>"
        svg +=
            "<text x=\"12\" y=\"\(f(top + ph / 2))\" transform=\"rotate(-90 12 \(f(top + ph / 2)))\" "
            + "text-anchor=\"middle\">\(esc(yLabel))</text>\n"
        for (i, line) in lines.enumerated() {
            let color = Self.palette[i % 8]
            if !line.1.isEmpty {
                let points = line.1.map { "\(f(x($0.0))),\(f(y(min($0.1, yMax))))" }.joined(separator: " ")
                svg +=
                    "<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" "
                    + "stroke-width=\"2\" points=\"\(points)\"/>\n"
            }
            let ly = top + 14 + Double(i) * 18
            svg += "<rect x=\"\(f(left + pw + 12))\" y=\"\(f(ly - 9))\" width=\"12\" height=\"10\" fill=\"\(color)\"/>"
            // Cut in the middle (names often differ at their end), the whole name on hover.
            svg +=
                "<text x=\"\(f(left + pw + 30))\" y=\"\(f(ly))\"><title>\(esc(line.0))</title>"
                + "\(esc(Format.middle(line.0, 17)))</text>\n"
        }
        return svg + "</svg>\n"
    }

    private func f(_ v: Double) -> String { Format.fixed(v, 1) }

    func esc(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
