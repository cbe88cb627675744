extension EndpointConfig {
    /// Each served entity's price (`abtop.prices` first, then the providers' lists), in the order of the
    /// entities; nil where neither knows the model.
    public func prices(providers: ProviderCatalog) -> [Price?] {
        let table = PriceTable(overrides: settings.prices, providers: providers)
        return servedEntities.map { table.price(for: $0.model) }
    }

    /// Every entity has a price: the cost verdict can be in the session's family.
    public func pricesKnown(providers: ProviderCatalog) -> Bool {
        prices(providers: providers).allSatisfy { $0 != nil }
    }
}
