/// One arm's items in issue order, as the pairings read them: the k-th item by its place in the whole sequence,
/// with the head every pairing has used dropped (in chunks, so the cost is amortised). What stays is the lead
/// one arm has over another.
struct PairingQueue<Item: Sendable>: Sendable {
    private var items: [Item] = []
    private var first = 0

    mutating func append(_ item: Item) { items.append(item) }

    /// The k-th item, if it came and is still kept.
    subscript(_ k: Int) -> Item? {
        let i = k - first
        return i >= 0 && i < items.count ? items[i] : nil
    }

    /// Items that came, dropped ones included.
    var count: Int { first + items.count }

    /// Drops the items before the k-th.
    mutating func forget(before k: Int) {
        let drop = min(k - first, items.count)
        guard drop >= 4_096 || (drop > 0 && drop == items.count) else { return }
        items.removeFirst(drop)
        first += drop
    }
}
