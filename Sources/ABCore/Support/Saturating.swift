extension Int {
    /// `value` rounded toward zero and clamped to `Int`'s range; NaN is 0.
    ///
    /// `Int(_: Double)` traps on NaN, infinities and anything past ±9.2e18, and every such number can arrive from
    /// outside (a config file, a request, a provider's `Retry-After`). Every conversion of a number that did not
    /// come from abtop itself goes through here, so a hostile value is refused or clamped, never a crash.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9.223_372_036_854_775e18 {
            self = .max
        } else if value <= -9.223_372_036_854_775e18 {
            self = .min
        } else {
            self = Int(value)
        }
    }
}

extension Double {
    /// Finite and within `range`, else nil: for seconds, rates and hints read from outside.
    public func finite(in range: ClosedRange<Double>) -> Double? {
        isFinite && range.contains(self) ? self : nil
    }
}
