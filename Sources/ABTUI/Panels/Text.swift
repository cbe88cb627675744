import ABCore

/// Text helpers shared by the panels.
enum Text {
    /// `s` cut to `width` columns, with "…" when cut.
    /// A name cut in the middle when it does not fit (`served_…name_2`): names often differ only at their end, and
    /// two entities must never read the same.
    static func fitName(_ s: String, _ width: Int) -> String {
        guard width > 2, DisplayWidth.of(s) > width else { return fit(s, width) }
        let tail = (width - 1) / 2
        let head = width - 1 - tail
        return fit(String(s.prefix(head)), head) + "…" + String(s.suffix(tail))
    }

    static func fit(_ s: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        if DisplayWidth.of(s) <= width { return s }
        var out = ""
        var used = 0
        for c in s {
            let w = DisplayWidth.of(c)
            if used + w > width - 1 { break }
            out.append(c)
            used += w
        }
        return out + "…"
    }

    static func padLeft(_ s: String, _ width: Int) -> String {
        let w = DisplayWidth.of(s)
        return w >= width ? s : String(repeating: " ", count: width - w) + s
    }

    /// Word-wraps `s` to lines of at most `width` columns (long words are broken), keeping paragraph breaks;
    /// stops after `maxLines` lines.
    ///
    /// One pass over the characters, so its cost is linear in the text read: an answer that is one 20 KB word used
    /// to be re-measured and re-cut for every line (quadratic), which froze the dashboard for a minute. Callers
    /// pass `maxLines` (what is on screen) so a huge answer costs only the lines shown.
    static func wrap(_ s: String, _ width: Int, maxLines: Int = .max) -> [String] {
        guard width > 0, maxLines > 0 else { return [] }
        var lines: [String] = []
        var line = ""
        var used = 0
        var word = ""
        var wordWidth = 0
        func endLine() {
            lines.append(line)
            line = ""
            used = 0
        }
        func placeWord() {
            guard !word.isEmpty else { return }
            if used > 0 && used + 1 + wordWidth > width { endLine() }
            if used > 0 {
                line += " "
                used += 1
            }
            line += word
            used += wordWidth
            word = ""
            wordWidth = 0
        }
        for c in s {
            if lines.count >= maxLines { return Array(lines.prefix(maxLines)) }
            if c.isNewline {
                placeWord()
                endLine()
                continue
            }
            if c == " " {
                placeWord()
                continue
            }
            let w = DisplayWidth.of(c)
            if wordWidth + w > width, !word.isEmpty {
                // A word wider than the column: its pieces take whole lines of their own.
                if used > 0 { endLine() }
                lines.append(word)
                word = ""
                wordWidth = 0
            }
            word.append(c)
            wordWidth += w
        }
        placeWord()
        lines.append(line)
        return Array(lines.prefix(maxLines))
    }

    /// "812ms", "1.02s", "—".
    static func ms(_ v: Double?) -> String {
        guard let v else { return "—" }
        if v < 10 { return "\(fixed(v, 1))ms" }
        if v < 1000 { return "\(Int(v.rounded()))ms" }
        return "\(fixed(v / 1000, 2))s"
    }

    static func fixed(_ x: Double, _ places: Int) -> String { fixedPoint(x, places: places) }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds)
        return String(format2(s / 3600)) + ":" + format2(s / 60 % 60) + ":" + format2(s % 60)
    }

    private static func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
