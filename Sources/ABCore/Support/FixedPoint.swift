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
