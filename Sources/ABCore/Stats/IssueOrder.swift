/// Releases one entity's requests in the order they were issued, whatever order they finish in.
///
/// The verdicts assume each arm's observations are its first n requests. Finished requests alone are not that: a
/// slow or heavy-tailed arm's first finished requests are its fast ones (the slow ones are still in flight), which
/// biased every early read towards it. So a request takes a ticket when it is sent, and its outcome is released
/// to the analysis only once every request issued before it on the same entity has finished (or been cut off): the
/// analysis always sees a prefix of the issue order, exactly. The cost is a lag behind the oldest request in flight,
/// bounded by the request timeout; memory is the outcomes waiting behind it.
struct IssueOrder<Item: Sendable>: Sendable {
    private(set) var issued = 0
    private(set) var released = 0
    private var waiting: [Int: Item] = [:]

    /// The next ticket.
    mutating func issue() -> Int {
        defer { issued += 1 }
        return issued
    }

    /// `ticket`'s item arrived: returns every item now released, in issue order (empty while an older one is out).
    mutating func resolve(_ ticket: Int, _ item: Item) -> [Item] {
        guard ticket >= released, ticket < issued, waiting[ticket] == nil else { return [] }
        if ticket != released {
            waiting[ticket] = item
            return []
        }
        var out = [item]
        released += 1
        while let next = waiting.removeValue(forKey: released) {
            out.append(next)
            released += 1
        }
        return out
    }

    /// Issued and not yet released.
    var outstanding: Int { issued - released }
}
