/// Split: each prompt goes to one entity by weight. Compare: every entity gets every prompt (a paired design).
public enum RunMode: String, Sendable, CaseIterable, Codable {
    case split
    case compare
}
