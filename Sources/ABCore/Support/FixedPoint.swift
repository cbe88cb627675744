/// `x` with exactly `places` decimals ("0.50", "12", "3.142"), without Foundation's locale-dependent formatters.
/// The one number formatter the verdicts, the reports and the dashboard share.
public func fixedPoint(_ x: Double, places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let v = (x * scale).rounded() / scale
    var s = "\(v)"
    if s.contains("e") { return s }
    if let dot = s.firstIndex(of: ".") {
        if places == 0 { return String(s[..<dot]) }
        let have = s.distance(from: dot, to: s.endIndex) - 1
        if have < places { s += String(repeating: "0", count: places - have) }
    }
    return s
}

/// The fewest decimals (up to `limit`) that write `x` exactly: 95 → 0, 97.5 → 1, 99.9 → 1. Confidence levels and
/// error rates are printed so, so rounding never overstates the one nor understates the other.
public func exactPlaces(_ x: Double, limit: Int = 4) -> Int {
    (0...limit).first { abs((Double(fixedPoint(x, places: $0)) ?? .nan) - x) < 1e-9 } ?? limit
}
