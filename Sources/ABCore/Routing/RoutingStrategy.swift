/// How the router turns weights into picks.
public enum RoutingStrategy: String, Sendable, CaseIterable, Codable {
    /// Independent weighted draws; `--seed` makes a run reproducible.
    case random
    /// Smooth weighted round-robin (nginx): exact shares in every window of 100 picks, deterministic order.
    case interleave
}
