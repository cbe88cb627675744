/// Did-you-mean suggestions for misspelt keys and names.
public enum EditDistance {
    /// Levenshtein distance between `a` and `b`, case-insensitive.
    public static func between(_ a: String, _ b: String) -> Int {
        let x = Array(a.lowercased().unicodeScalars)
        let y = Array(b.lowercased().unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    /// A word longer than this is no typo of a known name (the longest are about 40): no suggestion is looked for,
    /// since comparing costs the word's length times each name's.
    public static let longestWord = 128

    /// The closest candidate, if it is close enough to be a plausible typo (at most a third of the word changed).
    ///
    /// Bounded work whatever the word: a long word gets no suggestion, and a candidate whose length alone puts it
    /// past the limit is not compared.
    public static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        guard word.utf8.count <= longestWord else { return nil }
        let lowered = word.lowercased()
        let length = word.count
        // A word cut short (`ttft` for `ttft_ms`) is the likeliest typo of all.
        if length >= 3, let stem = candidates.first(where: { $0.lowercased().hasPrefix(lowered) }) {
            return stem
        }
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let other = candidate.count
            let limit = max(2, max(length, other) / 3)
            // The distance is at least the difference in length.
            guard abs(length - other) <= limit else { continue }
            let d = between(word, candidate)
            if d <= limit, d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.name
    }
}
