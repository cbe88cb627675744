/// A provider's id as Databricks names it in `external_model.provider` ("openai", "amazon-bedrock"). The core
/// knows no provider: every one is described by a `ProviderDescriptor` registered in a `ProviderCatalog`.
public struct Provider: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
}

/// How to reach one served entity's provider, read from its `<provider>_config` block by the provider's own
/// descriptor. Only the provider's own code knows the concrete type.
public protocol ProviderSettings: Sendable {
    /// The credentials the entity needs, in the order they are sent.
    var credentials: [Credential] { get }
    /// Where requests go when `abtop.entities.<name>.base_url` does not say: the config's own field, then the
    /// variable the provider's SDK reads, then its public default.
    func baseURL(environment: [String: String]) -> String
    /// The same settings, answered by the simulated providers at `root` (`abtop serve --simulate`, `demo`):
    /// stand-in credentials (their values), and the provider whose wire the simulation speaks.
    func simulated(root: String, serviceAccountKey: () -> String) -> SimulatedSettings
    func isEqual(to other: any ProviderSettings) -> Bool
}

extension ProviderSettings where Self: Equatable {
    public func isEqual(to other: any ProviderSettings) -> Bool { (other as? Self) == self }
}

/// An entity's settings as the simulation sends them.
public struct SimulatedSettings: Sendable {
    public var settings: any ProviderSettings
    public var baseURL: String
    /// The stand-in credentials' values, in `settings.credentials` order.
    public var values: [String]

    public init(settings: any ProviderSettings, baseURL: String, values: [String]) {
        self.settings = settings
        self.baseURL = baseURL
        self.values = values
    }
}

/// Everything the config reader knows of one provider: its block, its keys, how to read them and what it
/// serves. The wire half (requests, decoding, signing) is the provider's too, in the provider layer.
public protocol ProviderDescriptor: Sendable {
    var id: Provider { get }
    /// abtop can send to it; a provider that is only described is read, then refused with "not supported yet".
    var isSupported: Bool { get }
    /// The name of its block inside `external_model`.
    var configBlock: String { get }
    /// Every key Databricks defines for the block (so a misplaced key can be recognised).
    var configKeys: [String] { get }
    /// The block's API-key field (a secret reference) and its `_plaintext` twin, where it has one.
    var apiKeyFields: (reference: String, plaintext: String)? { get }
    /// Environment variables its own SDK reads the key from.
    var conventionalKeyVariables: [String] { get }
    /// It has embedding models (for some settings: `embeddingsProblem` says which not).
    var hasEmbeddings: Bool { get }
    /// Reads the block (its unknown keys already reported); nil when it cannot, with the issues said.
    func readSettings(_ block: ObjectReader, issues: inout ConfigIssues) -> (any ProviderSettings)?
    /// Why these settings cannot serve embeddings, as an issue at `block`'s path; nil when they can.
    func embeddingsProblem(_ settings: any ProviderSettings, block: ConfigPath) -> ConfigIssue?
    /// List prices of its models (USD per million tokens), by model family name.
    var prices: [String: Price] { get }
    /// Prefixes its model ids carry before the family name (a region, a vendor), dropped to find a price.
    var modelIDPrefixes: [String] { get }
    /// Said when a config names a provider abtop does not send to: what this one can stand in for, if anything.
    var substituteHint: String? { get }
    /// A starter block for `abtop init` (and the providers' conformance test), its credentials referenced as
    /// `{{secrets/<scope>/<key>}}`, and the fields no one can guess (to edit before the first run), if any.
    func template(secretScope scope: String) -> (block: JSONObject, placeholders: String?)
}

extension ProviderDescriptor {
    public var isSupported: Bool { true }
    public var apiKeyFields: (reference: String, plaintext: String)? { nil }
    public var conventionalKeyVariables: [String] { [] }
    public var hasEmbeddings: Bool { false }
    public func embeddingsProblem(_ settings: any ProviderSettings, block: ConfigPath) -> ConfigIssue? { nil }
    public var prices: [String: Price] { [:] }
    public var modelIDPrefixes: [String] { [] }
    public var substituteHint: String? { nil }
    public func template(secretScope scope: String) -> (block: JSONObject, placeholders: String?) {
        let key = apiKeyFields?.reference ?? "api_key"
        return (JSONObject([key: .string("{{secrets/\(scope)/\(key)}}")]), nil)
    }

    /// The API key: a `{{secrets/…}}` reference, or the `_plaintext` twin, or (neither) the conventional variable.
    public func readAPIKey(_ block: ObjectReader, issues: inout ConfigIssues) -> Credential {
        let fields = apiKeyFields!
        return EndpointConfigReader.readCredential(
            block, reference: fields.reference, plaintext: fields.plaintext, conventional: conventionalKeyVariables,
            issues: &issues)
    }
}

/// The providers abtop knows, in the order they are listed to users. The provider layer builds the standard
/// catalog (`ProviderCatalog.standard`, one line per provider); tests may build others.
public struct ProviderCatalog: Sendable {
    public let all: [any ProviderDescriptor]

    public init(_ all: [any ProviderDescriptor]) { self.all = all }

    public subscript(_ id: Provider) -> (any ProviderDescriptor)? { all.first { $0.id == id } }

    /// The provider whose block is named `block`.
    public func byBlock(_ block: String) -> (any ProviderDescriptor)? { all.first { $0.configBlock == block } }

    public var supported: [any ProviderDescriptor] { all.filter(\.isSupported) }

    /// Every provider's model prices, for the price table.
    public var prices: [String: Price] {
        all.reduce(into: [:]) { table, d in table.merge(d.prices) { first, _ in first } }
    }

    public var modelIDPrefixes: [String] { all.flatMap(\.modelIDPrefixes) }
}
