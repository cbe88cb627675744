/// How many colours the terminal shows, and how a theme colour maps onto them.
public enum ColorDepth: Sendable, Equatable {
    case trueColor
    case xterm256
    case ansi16
    case none

    /// The xterm-256 index nearest to `c` (the 6×6×6 cube or the grey ramp).
    public static func xterm256(_ c: RGB) -> Int {
        func level(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
        let (r, g, b) = (level(c.r), level(c.g), level(c.b))
        let cube = 16 + 36 * r + 6 * g + b
        let steps = [0, 95, 135, 175, 215, 255]
        let cubeColor = (steps[r], steps[g], steps[b])
        let average = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let greyIndex = average > 238 ? 23 : max(0, (average - 3) / 10)
        let grey = 8 + greyIndex * 10
        func distance(_ x: (Int, Int, Int)) -> Int {
            let (dr, dg, db) = (x.0 - Int(c.r), x.1 - Int(c.g), x.2 - Int(c.b))
            return dr * dr + dg * dg + db * db
        }
        return distance((grey, grey, grey)) < distance(cubeColor) ? 232 + greyIndex : cube
    }

    /// The nearest of the 16 ANSI colours.
    public static func ansi16(_ c: RGB) -> Int {
        let palette: [(Int, Int, Int)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
            (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
            (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        var best = 0
        var bestDistance = Int.max
        for (i, p) in palette.enumerated() {
            let d =
                (p.0 - Int(c.r)) * (p.0 - Int(c.r)) + (p.1 - Int(c.g)) * (p.1 - Int(c.g)) + (p.2 - Int(c.b))
                * (p.2 - Int(c.b))
            if d < bestDistance {
                best = i
                bestDistance = d
            }
        }
        return best
    }
}
