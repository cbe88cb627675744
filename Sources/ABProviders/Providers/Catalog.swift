import ABCore

extension ProviderCatalog {
    /// Every provider abtop knows, in the order they are listed to users. Adding a provider is a folder beside
    /// this file and one line here.
    public static let standard = ProviderCatalog([
        OpenAIProvider(),
        AnthropicProvider(),
        CustomProvider(),
        DatabricksModelServingProvider(),
        CohereProvider(),
        AmazonBedrockProvider(),
        VertexAIProvider(),
        DescribedProvider(id: "ai21labs", keys: ["ai21labs_api_key", "ai21labs_api_key_plaintext"]),
        DescribedProvider(id: "palm", keys: ["palm_api_key", "palm_api_key_plaintext"]),
    ])
}

extension EndpointConfigReader {
    /// Reads a config with the standard providers.
    public static func read(text: String, defaultName: String) -> Outcome {
        read(text: text, defaultName: defaultName, providers: .standard)
    }

    public static func read(_ root: JSONValue, defaultName: String) -> Outcome {
        read(root, defaultName: defaultName, providers: .standard)
    }
}

extension EndpointConfig {
    /// Each entity's price from `abtop.prices` or the standard providers' lists.
    public var prices: [Price?] { prices(providers: .standard) }
    public var pricesKnown: Bool { pricesKnown(providers: .standard) }
}
