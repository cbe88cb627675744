import ABCore
import ABEngine
import ABProviders
import Foundation
import Testing

@testable import ABServer

/// The new providers' own ways to fail on credentials, end to end against the simulated ones: each is a client
/// error (not retried, not a fallback trigger by itself), says where it failed, and quotes no secret.
@Suite struct ProviderAuthTests {
    /// A wrong AWS secret: the simulated Bedrock recomputes the signature and refuses it, as AWS does.
    @Test func aWrongAWSSecretIsRefusedBySignature() async throws {
        let server = try await MockServer.start(.init(profiles: MockProfileSet(), seed: 1))
        let text = """
            {"served_entities": [{"name": "e", "external_model": {"name": "amazon.nova-pro-v1:0",
              "provider": "amazon-bedrock", "task": "llm/v1/chat", "amazon_bedrock_config": {"aws_region": "us-east-1",
              "aws_access_key_id_plaintext": "AKIDSIMULATED", "aws_secret_access_key_plaintext": "not-the-simulated-secret",
              "bedrock_provider": "amazon"}}}],
             "abtop": {"entities": {"e": {"base_url": "\(server.anthropicBaseURL)"}}, "retries": {"max": 2}}}
            """
        let config = try #require(EndpointConfigReader.read(text: text, defaultName: "t").config)
        let transport = CurlTransport()
        let engine = Engine(
            session: Session(endpoint: config, mode: .split),
            resolved: config.resolve(with: SecretResolver(environment: [:])), transport: transport, seed: 1)
        let r = try #require(await engine.send(prompt()).first)
        transport.shutdown()
        await server.stop()
        #expect(r.outcome.error == .http4xx && r.outcome.status == 403 && r.outcome.retries == 0)
        #expect(r.errorMessage?.contains("signature we calculated does not match") == true, "\(r.errorMessage ?? "")")
        #expect(!(r.errorMessage ?? "").contains("not-the-simulated-secret"))
    }

    /// A service account the token endpoint refuses: the request fails before Gemini is called, naming the token
    /// endpoint, never the key.
    @Test func aRefusedServiceAccountFailsAtTheTokenEndpoint() async throws {
        let server = try await MockServer.start(.init(profiles: MockProfileSet(), seed: 1))
        let key = GoogleOAuth.makeKeyFile(
            clientEmail: "sk-invalid@abtop.iam.gserviceaccount.com", tokenURI: server.anthropicBaseURL + "/token")
        let pem = try #require(
            ServiceAccountKey.parse(key).get().privateKeyPEM.exposedForTransport().split(separator: "\n").dropFirst()
                .first)
        let text = """
            {"served_entities": [{"name": "e", "external_model": {"name": "gemini-1.5-pro",
              "provider": "google-cloud-vertex-ai", "task": "llm/v1/chat", "google_cloud_vertex_ai_config": {
              "project_id": "p", "region": "us-central1", "private_key_plaintext": \(JSONValue.quoted(key))}}}],
             "abtop": {"entities": {"e": {"base_url": "\(server.anthropicBaseURL)"}}}}
            """
        let config = try #require(EndpointConfigReader.read(text: text, defaultName: "t").config)
        let transport = CurlTransport()
        let engine = Engine(
            session: Session(endpoint: config, mode: .split),
            resolved: config.resolve(with: SecretResolver(environment: [:])), transport: transport, seed: 1)
        let r = try #require(await engine.send(prompt()).first)
        transport.shutdown()
        await server.stop()
        #expect(r.outcome.error == .http4xx && r.outcome.status == 400)
        let message = r.errorMessage ?? ""
        #expect(message.hasPrefix("access token from \(server.anthropicBaseURL)/token"), "\(message)")
        #expect(!message.contains(pem) && !message.contains("PRIVATE KEY"))
    }
}
