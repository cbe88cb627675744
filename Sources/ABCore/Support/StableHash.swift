/// A hash that is the same in every process and on every machine (FNV-1a, then a SplitMix finaliser).
///
/// Swift's `Hasher` is seeded per process, so it cannot keep a sticky session on the same entity across restarts.
public enum StableHash {
    public static func of(_ text: String, salt: UInt64 = 0) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ salt
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        var mixer = SplitMix64(seed: h)
        return mixer.next()
    }
}
