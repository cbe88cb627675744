/// `abtop serve --simulate`: every entity answered by the embedded simulated providers, with no keys.
extension EndpointConfig {
    /// The entities as they would be resolved, but sent to the simulated providers: Anthropic entities to the
    /// Anthropic wire at `anthropicBase`, every other provider (OpenAI, Azure, custom, Databricks) to the OpenAI
    /// wire at `openAIBase`. Model names stay, so the simulated profiles can tell the models apart; the key is
    /// a stand-in, so no secret is looked up.
    public func simulated(openAIBase: String, anthropicBase: String) -> [ResolvedEntity] {
        servedEntities.map { entity in
            var simulated = entity
            let key = Credential(
                source: .plaintext(SecretValue("sk-simulated")), field: ConfigPath(),
                conventionalVariables: [])
            let base: String
            switch entity.providerSettings {
            case .anthropic:
                simulated.providerSettings = .anthropic(AnthropicSettings(apiKey: key))
                base = anthropicBase
            default:
                simulated.providerSettings = .openai(
                    OpenAISettings(
                        apiKey: key, apiBase: openAIBase, apiType: .openai,
                        apiVersion: nil, deploymentName: nil,
                        organization: nil))
                base = openAIBase
            }
            return ResolvedEntity(
                entity: simulated, baseURL: base,
                credentials: [(key, .found(SecretValue("sk-simulated"), .plaintext(field: "simulated")))])
        }
    }
}
