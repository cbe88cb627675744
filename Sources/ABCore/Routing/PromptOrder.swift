/// The order prompts are sent in: a seeded random permutation of the prompt file, drawn again (with the next
/// seed) at every pass — without replacement within a pass, every prompt once per pass.
///
/// Real prompt files are grouped (by topic, difficulty, source). Sent in file order, a verdict read as it goes
/// decides on the first group: in abtop's simulation a file where B is faster on its first half and slower
/// overall made 90 % of sessions first decide "B is faster". In a random order every prefix of the run is a fair
/// sample of the file. The order is a function of the session's seed (journaled with the session) and each
/// request's prompt id is journaled, so the order can be rebuilt and audited.
public struct PromptOrder: Sendable {
    public let count: Int
    public let seed: UInt64

    public init(count: Int, seed: UInt64) {
        precondition(count > 0)
        self.count = count
        self.seed = seed
    }

    /// The prompt index of the n-th prompt sent (n from 0): position n mod count of pass n / count's permutation.
    /// Pure: the same (seed, n) gives the same prompt on any thread; a pass's permutation costs O(count) to draw,
    /// so callers that walk n in order keep the current pass's (as the load generator does).
    public func index(_ n: Int) -> Int { permutation(pass: n / count)[n % count] }

    /// Pass `pass`'s permutation (Fisher–Yates from a SplitMix64 seeded by the seed and the pass).
    public func permutation(pass: Int) -> [Int] {
        var rng = SplitMix64(seed: seed ^ 0x9E37_79B9_7F4A_7C15 &* UInt64(truncatingIfNeeded: pass + 1))
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, rng.below(i + 1))
        }
        return order
    }
}
