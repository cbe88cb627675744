import ABCore

/// Number formats shared by the text outputs.
public enum Format {
    /// "812 ms", "1.02 s".
    public static func milliseconds(_ ms: Double?) -> String {
        guard let ms else { return "—" }
        if ms < 10 { return "\(fixed(ms, 1)) ms" }
        if ms < 1000 { return "\(Int(ms.rounded())) ms" }
        return "\(fixed(ms / 1000, 2)) s"
    }

    public static func percent(_ fraction: Double?, digits: Int = 1) -> String {
        guard let fraction else { return "—" }
        return "\(fixed(fraction * 100, digits))%"
    }

    public static func dollars(_ usd: Double?) -> String {
        guard let usd else { return "—" }
        return usd < 0.01 && usd > 0 ? "$\(fixed(usd, 4))" : "$\(fixed(usd, 2))"
    }

    /// 10234 → "10,234".
    /// `text` broken at spaces into lines of at most `width` characters, the lines after the first indented by
    /// `indent` (a long word stays whole).
    public static func wrapped(_ text: String, width: Int, indent: String = "") -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let lead = lines.isEmpty ? "" : indent
            if !line.isEmpty, lead.count + line.count + 1 + word.count > width {
                lines.append(line)
                line = String(word)
            } else {
                line += line.isEmpty ? String(word) : " " + word
            }
        }
        lines.append(line)
        return lines.enumerated().map { $0.offset == 0 ? $0.element : indent + $0.element }.joined(separator: "\n")
    }

    /// `s` cut in the middle to `width` characters (`served_m…name_1`), whole when it fits.
    public static func middle(_ s: String, _ width: Int) -> String {
        guard s.count > width, width > 2 else { return s }
        let tail = (width - 1) / 2
        return String(s.prefix(width - 1 - tail)) + "…" + String(s.suffix(tail))
    }

    public static func count(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))  // `abs` traps on Int.min
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return n < 0 ? "-" + out : out
    }

    public static func fixed(_ x: Double, _ places: Int) -> String { fixedPoint(x, places: places) }
}
