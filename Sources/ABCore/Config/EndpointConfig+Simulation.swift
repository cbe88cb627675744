/// `abtop serve --simulate`: every entity answered by the embedded simulated providers, with no keys.
extension EndpointConfig {
    /// The entities as they would be resolved, but sent to the simulated providers at `root` (the mock server's
    /// `http://host:port`), each on its own provider's wire: Anthropic, Cohere, Bedrock (signed with stand-in AWS
    /// keys) and Vertex AI (with `serviceAccountKey`, a generated key file whose tokens the mock issues); OpenAI,
    /// Azure, custom and Databricks entities on the OpenAI wire. Model names stay, so the simulated profiles can
    /// tell the models apart; keys are stand-ins, so no secret is looked up.
    public func simulated(root: String, serviceAccountKey: @autoclosure () -> String) -> [ResolvedEntity] {
        var vertexKey: String?
        return servedEntities.map { entity in
            var simulated = entity
            func standIn(_ value: String, kind: Credential.Kind = .headerValue) -> Credential {
                Credential(
                    source: .plaintext(SecretValue(value)), field: ConfigPath(), conventionalVariables: [], kind: kind)
            }
            var values: [String] = ["sk-simulated"]
            let base: String
            switch entity.providerSettings {
            case .anthropic:
                simulated.providerSettings = .anthropic(AnthropicSettings(apiKey: standIn("sk-simulated")))
                base = root
            case .cohere:
                simulated.providerSettings = .cohere(CohereSettings(apiKey: standIn("sk-simulated"), apiBase: root))
                base = root
            case .amazonBedrock(var s):
                values = ["AKIDSIMULATED", "simulated-secret-access-key"]
                s.accessKeyID = standIn(values[0])
                s.secretAccessKey = standIn(values[1])
                simulated.providerSettings = .amazonBedrock(s)
                base = root
            case .googleCloudVertexAI(var s):
                if vertexKey == nil { vertexKey = serviceAccountKey() }
                values = [vertexKey!]
                s.privateKey = standIn(values[0], kind: .serviceAccountKey)
                simulated.providerSettings = .googleCloudVertexAI(s)
                base = root
            default:
                simulated.providerSettings = .openai(
                    OpenAISettings(
                        apiKey: standIn("sk-simulated"), apiBase: root + "/v1", apiType: .openai,
                        apiVersion: nil, deploymentName: nil,
                        organization: nil))
                base = root + "/v1"
            }
            let credentials = simulated.providerSettings.credentials
            return ResolvedEntity(
                entity: simulated, baseURL: base,
                credentials: zip(credentials, values).map { credential, value in
                    (credential, .found(SecretValue(value), .plaintext(field: "simulated")))
                })
        }
    }
}
