/// One `request` row as the journal's file holds it, before anything trusts it: every column as SQLite typed it.
///
/// The journal is a file on disk; whoever can write it can put `-9223372036854775808` in a token count, `999` in
/// an entity index or text in a timestamp. `RequestRecord(stored:entities:)` checks each value's type and range
/// like any other input, so a tampered journal gives a report with the row left out (and counted), never a trap.
public struct StoredRow: Sendable {
    public enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob
    }

    public var columns: [String: Value]

    public init(_ columns: [String: Value]) { self.columns = columns }

    public func int(_ name: String) -> Int? {
        switch columns[name] {
        case .integer(let v)?: Int(exactly: v)
        case .real(let v)? where v.rounded() == v: Int(exactly: v)
        default: nil
        }
    }

    /// A nanosecond stamp (stored as the bits of a UInt64 in a signed column).
    public func stamp(_ name: String) -> UInt64? {
        if case .integer(let v)? = columns[name] { return UInt64(bitPattern: v) }
        return nil
    }

    public func double(_ name: String) -> Double? {
        switch columns[name] {
        case .integer(let v)?: Double(v)
        case .real(let v)?: v
        default: nil
        }
    }

    public func text(_ name: String) -> String? {
        if case .text(let v)? = columns[name] { return v }
        return nil
    }

    public func flag(_ name: String) -> Bool? { int(name).map { $0 != 0 } }
}

extension RequestRecord {
    /// The most tokens one request is believed to have used; past it a count is read as unknown (0).
    public static let maxStoredTokens = 100_000_000
    /// The most retries or an issue ticket a journal row is believed to hold.
    static let maxStoredCount = 1 << 40

    /// A journal row as a record, or nil when a value the record cannot do without is missing or out of range
    /// (the entity is not one of the session's `entities`, the epoch not one of its `epochs`; the timing runs
    /// backwards). Values that are only
    /// descriptive (tokens, cost, status, retries) are read as unknown when out of range.
    ///
    /// `epochs`: the split epochs the session holds (a row of another is left out: the split it was assigned
    /// under is unknown).
    public init?(stored r: StoredRow, entities: Int, epochs: Set<Int>) {
        guard let entity = r.int("entity"), (0..<entities).contains(entity),
            let start = r.stamp("start_ns"), let end = r.stamp("end_ns"), end >= start,
            let epoch = r.int("epoch"), epochs.contains(epoch)
        else { return nil }
        let arm = r.int("arm").flatMap { (0..<entities).contains($0) ? $0 : nil } ?? entity
        // A first byte or token outside the request's own span is no stamp at all.
        let within = { (s: UInt64?) in s.flatMap { (start...end).contains($0) ? $0 : nil } }
        func tokens(_ name: String) -> Int {
            r.int(name).flatMap { (0...Self.maxStoredTokens).contains($0) ? $0 : nil } ?? 0
        }
        var outcome = RequestOutcome(
            entity: entity, arm: arm, epoch: epoch, isFallback: r.flag("is_fallback") ?? false,
            retries: r.int("retries").flatMap { (0...Self.maxStoredCount).contains($0) ? $0 : nil } ?? 0,
            timing: RequestTiming(
                start: start, firstByte: within(r.stamp("first_byte_ns")),
                firstToken: within(r.stamp("first_token_ns")), end: end),
            streamed: r.flag("streamed") ?? false,
            status: r.int("status").flatMap { (0...999).contains($0) ? $0 : nil },
            error: r.text("error_kind").flatMap(ErrorKind.init(rawValue:)),
            usage: TokenUsage(
                input: tokens("tokens_in"), output: tokens("tokens_out"),
                estimated: r.flag("tokens_estimated") ?? false),
            costUSD: r.double("cost_usd").flatMap { $0.isFinite && $0 >= 0 && $0 < 1e9 ? $0 : nil })
        outcome.countsTowardSplit = r.flag("counts_toward_split") ?? true
        outcome.issue = r.int("issue").flatMap { (0...Self.maxStoredCount).contains($0) ? $0 : nil }
        outcome.repeatsSession = r.flag("repeats_session") ?? false
        let passed = r.flag("check_passed")
        outcome.checkPassed = passed
        self.init(
            outcome: outcome, promptID: r.text("prompt_id") ?? "", prompt: r.text("prompt_text") ?? "",
            output: r.text("output_text") ?? "", finishReason: r.text("finish_reason"),
            errorMessage: r.text("error_message"),
            group: r.int("group_id").flatMap { (0...Self.maxStoredCount).contains($0) ? $0 : nil })
        check = passed.map { Expectation.Check(passed: $0, reason: r.text("check_reason") ?? "") }
    }
}
