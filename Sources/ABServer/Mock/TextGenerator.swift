import ABCore

/// Writes a plausible answer to a prompt, deterministically from the prompt, the model and the profile's style.
///
/// Not language modelling: sentences from a small phrase book, filled with the prompt's own keywords, so two
/// simulated models answer the same prompt visibly differently and every prompt gets its own answer.
public enum TextGenerator {
    /// Exactly `count` tokens (a token is a word with its leading space, or a line break), in the style given.
    public static func tokens(prompt: String, model: String, style: TextStyle, count: Int, seed: UInt64) -> [String] {
        guard count > 0 else { return [] }
        var rng = SplitMix64(seed: StableHash.of(prompt, salt: seed ^ StableHash.of(model)))
        let words = keywords(in: prompt)
        var out: [String] = []
        var pointNumber = 1
        func add(_ sentence: String) {
            for word in sentence.split(separator: " ", omittingEmptySubsequences: true) {
                out.append(out.isEmpty || out.last == "\n\n" ? String(word) : " " + word)
            }
        }
        func fill(_ template: String) -> String {
            var s = ""
            var i = template.startIndex
            while i < template.endIndex {
                let c = template[i]
                let next = template.index(after: i)
                if c == "{", next < template.endIndex, let close = template[next...].firstIndex(of: "}") {
                    let slot = template[next..<close]
                    let word = words[rng.below(words.count)]
                    switch slot {
                    case "k": s += word
                    case "K": s += word.prefix(1).uppercased() + word.dropFirst()
                    case "t": s += topic(words)
                    case "n": s += "\(pointNumber)."; pointNumber += 1
                    default: s += String(slot)
                    }
                    i = template.index(after: close)
                } else {
                    s.append(c)
                    i = next
                }
            }
            return s
        }
        switch style {
        case .thorough:
            add(fill(Phrases.thoroughOpenings[rng.below(Phrases.thoroughOpenings.count)]))
            while out.count < count {
                out.append("\n\n")
                add(fill(Phrases.thoroughPoints[rng.below(Phrases.thoroughPoints.count)]))
                if pointNumber > 4 && out.count < count {
                    out.append("\n\n")
                    add(fill(Phrases.thoroughSummaries[rng.below(Phrases.thoroughSummaries.count)]))
                    pointNumber = 1
                }
            }
        case .concise:
            while out.count < count { add(fill(Phrases.concise[rng.below(Phrases.concise.count)])) }
        case .plain:
            while out.count < count { add(fill(Phrases.plain[rng.below(Phrases.plain.count)])) }
        }
        return Array(out.prefix(count))
    }

    /// The prompt's content words, in order, without repeats (or a neutral set when it has none).
    static func keywords(in prompt: String) -> [String] {
        var seen = Set<String>()
        var words: [String] = []
        for raw in prompt.lowercased().split(whereSeparator: { !$0.isLetter }) {
            let w = String(raw)
            guard w.count >= 4, !Phrases.stopwords.contains(w), seen.insert(w).inserted else { continue }
            words.append(w)
        }
        return words.isEmpty ? ["approach", "context", "details", "tradeoffs"] : words
    }

    private static func topic(_ words: [String]) -> String {
        words.count >= 2 ? "\(words[0]) and \(words[1])" : words[0]
    }
}

/// The phrase book. `{k}` a keyword, `{K}` capitalised, `{t}` the topic, `{n}` the next point number.
enum Phrases {
    static let plain = [
        "{K} is an important part of {t}.",
        "Many people approach {k} by first looking at {k}.",
        "It helps to compare {k} with {k} before deciding.",
        "A good rule of thumb is to start small with {k}.",
        "Over time, {k} tends to improve as {k} is refined.",
        "The details of {k} depend on the context you are in.",
        "If {k} is unclear, write down what you expect from {k}.",
        "Most problems with {t} come from skipping {k}.",
    ]
    static let concise = [
        "Short answer: {t} depends on {k}.",
        "Focus on {k} first.",
        "Then check {k}.",
        "{K} beats {k} in most cases.",
        "Keep {k} simple and measure it.",
        "The real trade-off is {k} versus {k}.",
        "Skip {k} unless you need it.",
        "Done right, {k} pays off quickly.",
    ]
    static let thoroughOpenings = [
        "Let's look at {t} carefully, because several factors interact here.",
        "There are a few angles to {t}, and it is worth taking them one at a time.",
        "Good question. {K} touches on more than it first seems, so here is a structured answer.",
    ]
    static let thoroughPoints = [
        "{n} **{K}**: consider how {k} affects {k}; the effect is usually larger than it first appears.",
        "{n} **{K}**: start from a clear definition of {k}, then test it against a concrete example.",
        "{n} **{K} versus {k}**: each has costs, so weigh them against what matters most to you.",
        "{n} **Measure {k}**: numbers settle arguments about {k} faster than opinions do.",
        "{n} **Common pitfalls**: people often overlook {k} or assume {k} will take care of itself.",
    ]
    static let thoroughSummaries = [
        "In summary, {t} is best approached by balancing {k} and {k}, then checking the result against real data.",
        "To sum up: get {k} right first, and the rest of {t} follows much more easily.",
    ]
    static let stopwords: Set<String> = [
        "what", "which", "when", "where", "there", "their", "about", "would", "could", "should", "that", "this",
        "with", "from", "have", "your", "into", "than", "then", "them", "they", "will", "does", "make", "some",
        "more", "most", "very", "just", "also", "only", "like", "please", "explain", "tell", "give", "write",
        "short", "brief", "using", "used", "been", "were", "being", "each", "other", "these", "those", "between",
    ]
}
