/// A credential's value that never prints itself.
///
/// `description`, `debugDescription`, string interpolation, `dump` / `Mirror` and `Encodable` all give
/// `‹redacted›`; the value is reachable only through `exposedForTransport()`, a name meant to stand out in review.
public struct SecretValue: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable, Encodable
{
    /// What every textual form of a secret shows.
    public static let redacted = "‹redacted›"

    private let storage: String

    /// Made from a secret as it is read. Reading registers nothing with the redactor: what an accepted config
    /// resolves is registered by the session that uses it (`SecretRedactor.hold`), so a refused config cannot
    /// fill the redactor's table.
    public init(_ value: String) {
        self.storage = value
    }

    /// The raw value, for the one place that must send it (an HTTP header). Never log or store the result.
    public func exposedForTransport() -> String { storage }

    public var isEmpty: Bool { storage.isEmpty }

    public var description: String { Self.redacted }
    public var debugDescription: String { "SecretValue(\(Self.redacted))" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Self.redacted)
    }
}
