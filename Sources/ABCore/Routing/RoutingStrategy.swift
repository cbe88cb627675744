/// How the router turns weights into picks.
public enum RoutingStrategy: String, Sendable, CaseIterable, Codable {
    /// Independent weighted draws; `--seed` makes a run reproducible.
    case random
    /// Smooth weighted round-robin (nginx): exact shares in every window of 100 picks, deterministic order.
    case interleave
    /// Adaptive allocation: Thompson sampling on each arm's success rate (a request that did not fail), over the
    /// entities with a share, each keeping at least the floor. The shares follow the results, so the weights are
    /// not the split and the sample-ratio check is off; docs/STATISTICS.md says what it does to the estimates.
    case thompson

    /// Whether the split follows the results rather than the weights.
    public var isAdaptive: Bool { self == .thompson }

    /// What an adaptive split means for the figures, in one line (the dashboard, the event log).
    public static func adaptiveNote(floor: Double) -> String {
        "adaptive split (Thompson on success rate, floor \(fixedPoint(floor * 100, places: 0)) % each): shares follow "
            + "the results, SRM off; an arm starved after early bad luck keeps its unlucky estimates (biased); "
            + "the verdicts stay valid"
    }
}
