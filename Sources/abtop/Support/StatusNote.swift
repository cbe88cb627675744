import ABEngine

/// A message for the dashboard's status bar that leaves on its own: shown for `lifetime` seconds, then the key
/// hints come back (a "report written to …" must not replace them for the rest of the session).
struct StatusNote: Sendable {
    let lifetime: Double
    private var text: String?
    private var until: UInt64 = 0

    init(lifetime: Double = 8) { self.lifetime = lifetime }

    mutating func set(_ text: String) {
        self.text = text
        until = Monotonic.now() &+ UInt64(lifetime * 1e9)
    }

    /// The message while it lasts, else nil.
    var current: String? { Monotonic.now() < until ? text : nil }
}
