import ABCore

/// A provider Databricks defines that abtop does not send to yet: its block is recognised (so a misplaced key is
/// named), and a config that uses it is refused with "not supported yet".
struct DescribedProvider: ProviderDescriptor {
    let id: Provider
    let keys: [String]

    init(id: Provider, keys: [String]) {
        self.id = id
        self.keys = keys
    }

    var isSupported: Bool { false }
    var configBlock: String { "\(id.rawValue)_config" }
    var configKeys: [String] { keys }
    var apiKeyFields: (reference: String, plaintext: String)? { (keys[0], keys[1]) }
    func readSettings(_ block: ObjectReader, issues: inout ConfigIssues) -> (any ProviderSettings)? { nil }
}
