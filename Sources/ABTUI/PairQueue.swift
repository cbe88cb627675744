import ABCore

/// The blind pairs of compare mode, as the reader meets them: the pair on screen stays until it is voted on or
/// skipped, newer ones wait in a queue (with a count), and past ones can be browsed. A vote is made from the pair
/// on screen — its group id and its blind order — so a prompt that arrives while a key is pressed cannot take it.
///
/// Pure and owned by `DashboardState` (the dashboard thread): only keys and `absorb` change it.
public struct PairQueue: Sendable {
    public struct Pair: Sendable, Equatable {
        public let group: CompareGroup
        /// The entities in their blind order: the first is shown as A, the second as B, …
        public let order: [Int]
        /// The match-ups to vote on, as positions in `order`: one for two entities, every pair for more.
        public let matchups: [(Int, Int)]
        /// The choices made so far, one per match-up.
        public var choices: [Vote.Choice] = []
        public var skipped = false

        public var isRevealed: Bool { choices.count == matchups.count }
        public var matchup: (Int, Int)? { isRevealed ? nil : matchups[choices.count] }

        public static func == (l: Pair, r: Pair) -> Bool {
            l.group == r.group && l.order == r.order && l.choices == r.choices && l.skipped == r.skipped
        }
    }

    /// The pair on screen.
    public private(set) var current: Pair?
    /// Pairs waiting, oldest first (a prompt typed with `p` goes first).
    public private(set) var waiting: [Pair] = []
    /// Pairs voted on or skipped, oldest first.
    public private(set) var history: [Pair] = []
    /// Browsing: the position in `history` shown instead of the current pair.
    public private(set) var browsing: Int?
    /// Pairs dropped from a full queue (the oldest waiting ones).
    public private(set) var dropped = 0
    /// Groups already taken. Prompts finish out of order (several are in flight), so "seen" is a set, not the
    /// highest id; ids older than every group the session still lists can never come back and are forgotten.
    private var seen: Set<Int> = []

    public static let queueLimit = 50
    public static let historyLimit = 100

    public init() {}

    /// What the pane shows: a browsed past pair, else the current one.
    public var shown: Pair? { browsing.map { history[$0] } ?? current }

    /// Takes the groups not seen yet; the current pair does not change unless there was none.
    public mutating func absorb(_ groups: [CompareGroup]) {
        if let oldest = groups.map(\.id).min() { seen = seen.filter { $0 >= oldest } }
        for group in groups where !seen.contains(group.id) && group.records.count >= 2 {
            seen.insert(group.id)
            let pair = Self.pair(group)
            if group.promptID.hasPrefix("typed-") {
                // The reader asked this one: it comes before the sampled prompts.
                let firstSampled = waiting.firstIndex { !$0.group.promptID.hasPrefix("typed-") } ?? waiting.count
                waiting.insert(pair, at: firstSampled)
            } else {
                waiting.append(pair)
            }
        }
        if waiting.count > Self.queueLimit {
            let excess = waiting.count - Self.queueLimit
            // The oldest sampled pairs go; typed ones stay.
            var removed = 0
            waiting.removeAll { pair in
                guard removed < excess, !pair.group.promptID.hasPrefix("typed-") else { return false }
                removed += 1
                return true
            }
            dropped += removed
        }
        if current == nil, !waiting.isEmpty { current = waiting.removeFirst() }
    }

    /// Records `choice` for the current match-up of the pair on screen; nil when there is nothing to vote on
    /// (no pair, browsing, or already revealed).
    public mutating func vote(_ choice: Vote.Choice) -> Vote? {
        guard browsing == nil, var pair = current, let (i, j) = pair.matchup else { return nil }
        pair.choices.append(choice)
        current = pair
        return Vote(a: pair.order[i], b: pair.order[j], choice: choice, group: pair.group.id)
    }

    /// Moves on: the current pair (voted or not) goes to the history and the next waiting one comes up.
    public mutating func next() {
        browsing = nil
        guard var pair = current else {
            if !waiting.isEmpty { current = waiting.removeFirst() }
            return
        }
        if !pair.isRevealed { pair.skipped = true }
        history.append(pair)
        if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
        current = waiting.isEmpty ? nil : waiting.removeFirst()
    }

    /// Browses the history: -1 older, +1 newer (past the newest: back to the current pair).
    public mutating func browse(_ step: Int) {
        guard !history.isEmpty else { return }
        let at = (browsing ?? history.count) + step
        browsing = at >= history.count ? nil : max(0, at)
    }

    /// A blind pair for `group`: a permutation of the entities that answered, fixed by the group's id.
    static func pair(_ group: CompareGroup) -> Pair {
        let order = DashboardState.blindOrder(group: group.id, entities: group.records.keys.sorted())
        var matchups: [(Int, Int)] = []
        for i in order.indices { for j in order.indices where j > i { matchups.append((i, j)) } }
        return Pair(group: group, order: order, matchups: matchups)
    }

    /// The letter shown for position `i` of a blind order.
    public static func letter(_ i: Int) -> String { String(UnicodeScalar(UInt8(65 + min(i, 25)))) }
}
