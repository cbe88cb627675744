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

    /// The closest candidate, if it is close enough to be a plausible typo (at most a third of the word changed).
    public static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        // A word cut short (`ttft` for `ttft_ms`) is the likeliest typo of all.
        if word.count >= 3, let stem = candidates.first(where: { $0.lowercased().hasPrefix(word.lowercased()) }) {
            return stem
        }
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let d = between(word, candidate)
            if d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        guard let best else { return nil }
        let limit = max(2, max(word.count, best.name.count) / 3)
        return best.distance <= limit ? best.name : nil
    }
}
