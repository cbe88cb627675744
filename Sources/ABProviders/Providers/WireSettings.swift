import ABCore

/// The wire half of a provider's settings: where its requests go and how they are authenticated, on which
/// dialect. Every provider's settings type conforms; `WireFormat` asks it and knows no provider.
public protocol WireSettings: ProviderSettings {
    /// The route for `model`, with `base` (the resolved base URL, no trailing slash) and the credentials' values
    /// in `credentials` order (nil where not found).
    func route(model: String, base: String, secrets: [SecretValue?]) -> WireRoute
}

/// Where a provider's requests go and how they are authenticated.
public struct WireRoute: Sendable {
    var dialect: WireFormat.Dialect
    /// Where a non-streamed request goes.
    var url: String
    /// Where a streamed one goes, when it is another method (nil: `url`).
    var streamURL: String?
    /// Where a completion goes when the provider has an endpoint of its own for it (nil: the chat URL).
    var completionsURL: String?
    /// Where embeddings are asked for (nil: it has none).
    var embeddingsURL: String?
    /// Sent in the body as `model`; nil where the URL names the model.
    var bodyModel: String?
    var authHeaders: [(name: String, value: HTTPRequestSpec.HeaderValue)] = []
    var signing: WireFormat.Signing = .headers
    /// The request's field for the answer's length limit.
    var maxTokensField: StaticString = "max_tokens"
    /// A model family that decides the embeddings body (Bedrock's Titan or Cohere).
    var embeddingsFamily: AmazonBedrockSettings.ModelFamily?
}

extension [SecretValue?] {
    /// The first credential's value as `name: prefix + value`, or no header when it was not found.
    func header(_ name: String, prefix: String = "") -> [(name: String, value: HTTPRequestSpec.HeaderValue)] {
        first.flatMap { $0 }.map { [(name, .secret(prefix: prefix, $0))] } ?? []
    }
}
