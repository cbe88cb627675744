/// One compare-mode prompt with every entity's answer to it: what a blind vote is cast on. Made once every entity
/// answered (or failed), so a pair never changes under the reader.
public struct CompareGroup: Sendable, Equatable {
    public let id: Int
    public let promptID: String
    public let prompt: String
    /// Each entity's record, by entity index.
    public let records: [Int: RequestRecord]

    public init(id: Int, promptID: String, prompt: String, records: [Int: RequestRecord]) {
        self.id = id
        self.promptID = promptID
        self.prompt = prompt
        self.records = records
    }

    /// The group of `records` (one compare-mode prompt's), or nil when they carry no group.
    public init?(_ records: [RequestRecord]) {
        guard let first = records.first, let id = first.group else { return nil }
        self.init(
            id: id, promptID: first.promptID, prompt: first.prompt,
            records: Dictionary(records.map { ($0.outcome.entity, $0) }, uniquingKeysWith: { a, _ in a }))
    }
}
