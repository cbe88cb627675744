/// A one-line chart of values, scaled to the largest in the window (`▁▂▃▄▅▆▇█`; a gap where there is no
/// value).
enum Sparkline {
    static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    static func render(_ values: [Double?], width: Int) -> String {
        let shown = Array(values.suffix(width))
        let top = shown.compactMap { $0 }.max() ?? 0
        var out = String(repeating: " ", count: max(0, width - shown.count))
        for v in shown {
            guard let v, top > 0 else {
                out.append(" ")
                continue
            }
            let level = Int((v / top * Double(levels.count - 1)).rounded())
            out.append(levels[max(0, min(levels.count - 1, level))])
        }
        return out
    }
}
