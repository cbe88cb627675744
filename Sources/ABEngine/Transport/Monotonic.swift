import Foundation

/// The one clock every request is stamped with: monotonic nanoseconds (CLOCK_MONOTONIC, as DispatchTime reads it).
public enum Monotonic {
    @inline(__always)
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
