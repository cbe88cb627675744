extension EndpointConfig {
    /// Each served entity's price (`abtop.prices` first, then the built-in list), in the order of the entities;
    /// nil where neither knows the model.
    public var prices: [Price?] {
        let table = PriceTable(overrides: settings.prices)
        return servedEntities.map { table.price(for: $0.model) }
    }

    /// Every entity has a price: the cost verdict can be in the session's family.
    public var pricesKnown: Bool { prices.allSatisfy { $0 != nil } }
}
