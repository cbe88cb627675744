import ABCore
import ABProviders
import Foundation
import Testing

private func resolved(_ json: String, env: [String: String] = [:]) throws -> [ResolvedEntity] {
    let o = EndpointConfigReader.read(text: json, defaultName: "t")
    let config = try #require(o.config, "\(o.issues)")
    return config.resolve(with: SecretResolver(environment: env))
}

private func entity(_ provider: String, _ block: String, model: String = "m") -> String {
    #"{"served_entities": [{"name": "e", "external_model": {"name": "\#(model)", "provider": "\#(provider)", "task": "llm/v1/chat", \#(block)}}]}"#
}

private func body(_ spec: HTTPRequestSpec) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(spec.body)) as? [String: Any])
}

private let chat = ChatRequest(
    messages: [.system("Be brief."), .user("Hi"), .user("Still there?")], maxTokens: 50,
    temperature: 0.2, stream: true, stop: ["END"])

@Suite struct WireFormatTests {
    @Test func openAI() throws {
        let r = try resolved(
            entity(
                "openai", #""openai_config": {"openai_api_key": "{{secrets/s/k}}", "openai_organization": "org-1"}"#,
                model: "gpt-4"),
            env: ["ABTOP_SECRET_S_K": "sk-secret"])
        let spec = WireFormat(r[0]).request(chat)
        #expect(spec.url == "https://api.openai.com/v1/chat/completions")
        #expect(spec.header("Authorization")?.exposedForTransport() == "Bearer sk-secret")
        #expect(spec.header("OpenAI-Organization") == .plain("org-1"))
        #expect(!spec.description.contains("sk-secret") && !"\(spec.headers)".contains("sk-secret"))
        let b = try body(spec)
        #expect(b["model"] as? String == "gpt-4" && b["max_completion_tokens"] as? Int == 50)
        #expect((b["stream_options"] as? [String: Bool]) == ["include_usage": true])
        #expect((b["messages"] as? [[String: String]])?.count == 3 && (b["stop"] as? [String]) == ["END"])
    }

    /// A served request's top_p reaches both dialects; OpenAI-only parameters reach only OpenAI-style providers and
    /// never override what the wire format writes itself.
    @Test func topPAndOpenAIExtras() throws {
        let extras = JSONObject(["seed": 7, "user": "u-1", "model": "not-this-one"])
        let request = ChatRequest(messages: [.user("Hi")], stream: false, topP: 0.9, extraParameters: extras)
        let openAI = try body(
            WireFormat(
                try resolved(entity("openai", #""openai_config": {"openai_api_key_plaintext": "k"}"#, model: "gpt-4"))[
                    0]
            ).request(request))
        #expect(openAI["top_p"] as? Double == 0.9 && openAI["seed"] as? Int == 7 && openAI["user"] as? String == "u-1")
        #expect(openAI["model"] as? String == "gpt-4")
        let anthropic = try body(
            WireFormat(
                try resolved(entity("anthropic", #""anthropic_config": {"anthropic_api_key_plaintext": "k"}"#))[0]
            ).request(request))
        #expect(anthropic["top_p"] as? Double == 0.9 && anthropic["seed"] == nil && anthropic["user"] == nil)
    }

    @Test func azure() throws {
        let r = try resolved(
            entity(
                "openai",
                #""openai_config": {"openai_api_key_plaintext": "az-key", "openai_api_type": "azure", "openai_api_base": "https://r.openai.azure.com/", "openai_api_version": "2024-06-01", "openai_deployment_name": "dep"}"#
            ))
        let spec = WireFormat(r[0]).request(chat)
        #expect(spec.url == "https://r.openai.azure.com/openai/deployments/dep/chat/completions?api-version=2024-06-01")
        #expect(spec.header("api-key")?.exposedForTransport() == "az-key" && spec.header("Authorization") == nil)
        let b = try body(spec)
        #expect(b["model"] == nil && b["max_tokens"] as? Int == 50)
    }

    /// Issue 23, item 9: an endpoint name is one encoded path segment, whatever it holds (Azure's deployment name
    /// is checked where it is read; it is encoded the same way).
    @Test func namesInURLPathsAreEncoded() throws {
        let databricks = try resolved(
            entity(
                "databricks-model-serving",
                #""databricks_model_serving_config": {"databricks_api_token_plaintext": "dapi-token", "databricks_workspace_url": "https://w.cloud.databricks.com"}"#,
                model: "a/../b?c"))
        #expect(
            WireFormat(databricks[0]).request(chat).url
                == "https://w.cloud.databricks.com/serving-endpoints/a%2F..%2Fb%3Fc/invocations")
    }

    @Test func anthropicLiftsSystemAndMergesTurns() throws {
        let r = try resolved(
            entity(
                "anthropic", #""anthropic_config": {"anthropic_api_key_plaintext": "ak"}"#,
                model: "claude-3-opus-20240229"),
            env: ["ANTHROPIC_BASE_URL": "http://127.0.0.1:9/"])
        let wire = WireFormat(r[0])
        let spec = wire.request(chat)
        #expect(spec.url == "http://127.0.0.1:9/v1/messages")
        #expect(spec.header("x-api-key")?.exposedForTransport() == "ak")
        #expect(spec.header("anthropic-version") == .plain("2023-06-01"))
        let b = try body(spec)
        #expect(b["system"] as? String == "Be brief.")
        #expect((b["messages"] as? [[String: String]]) == [["role": "user", "content": "Hi\n\nStill there?"]])
        #expect(b["max_tokens"] as? Int == 50 && (b["stop_sequences"] as? [String]) == ["END"])
        let noMax = wire.request(ChatRequest(messages: [.user("x")], stream: false))
        #expect(try body(noMax)["max_tokens"] as? Int == AbtopSettings.RequestDefaults().maxTokens)
    }

    @Test func customAndDatabricks() throws {
        let custom = try resolved(
            entity(
                "custom",
                #""custom_provider_config": {"custom_provider_url": "http://127.0.0.1:8000/v1", "api_key_auth": {"key": "x-key", "value_plaintext": "ck"}}"#
            ))
        let c = WireFormat(custom[0]).request(chat)
        #expect(
            c.url == "http://127.0.0.1:8000/v1/chat/completions" && c.header("x-key")?.exposedForTransport() == "ck")
        let dbx = try resolved(
            entity(
                "databricks-model-serving",
                #""databricks_model_serving_config": {"databricks_workspace_url": "https://w.cloud.databricks.com", "databricks_api_token_plaintext": "dapi1"}"#,
                model: "my-endpoint"))
        let d = WireFormat(dbx[0]).request(chat)
        #expect(d.url == "https://w.cloud.databricks.com/serving-endpoints/my-endpoint/invocations")
        #expect(d.header("Authorization")?.exposedForTransport() == "Bearer dapi1")
    }

    @Test func decodesJSONAnswers() throws {
        let r = try resolved(entity("openai", #""openai_config": {"openai_api_key_plaintext": "k"}"#))
        let ok = WireFormat(r[0]).decode(
            body: Array(
                #"{"choices":[{"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}"#
                    .utf8))
        #expect(try ok.get() == ChatResult(text: "Hi!", finishReason: "stop", inputTokens: 3, outputTokens: 2))
        guard case .failure(let e) = WireFormat(r[0]).decode(body: Array("<html>".utf8)) else {
            Issue.record("accepted HTML")
            return
        }
        #expect(e.kind == .malformed)
    }

    @Test func errorBodiesAndRetryAfter() {
        let openAI = WireFormat.error(
            status: 429,
            body: Array(
                #"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#.utf8),
            headers: ["retry-after": "2", "retry-after-ms": "1500"])
        #expect(
            openAI == ProviderError(kind: .rateLimited, status: 429, message: "Rate limit reached", retryAfter: 1.5))
        let anthropic = WireFormat.error(
            status: 529,
            body: Array(#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.utf8),
            headers: ["retry-after": "3"])
        #expect(anthropic == ProviderError(kind: .overloaded, status: 529, message: "Overloaded", retryAfter: 3))
        let databricks = WireFormat.error(
            status: 404, body: Array(#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no endpoint"}"#.utf8),
            headers: [:])
        #expect(databricks.kind == .http4xx && databricks.message == "RESOURCE_DOES_NOT_EXIST: no endpoint")
        #expect(WireFormat.error(status: 503, body: [], headers: [:]).kind == .http5xx)
    }

    @Test func usageIsEstimatedOnlyWhenMissing() {
        let request = ChatRequest(messages: [.user("12345678")])
        #expect(
            WireFormat.usage(of: ChatResult(text: "abcd", inputTokens: 5, outputTokens: 1), for: request)
                == TokenUsage(input: 5, output: 1, estimated: false))
        #expect(
            WireFormat.usage(of: ChatResult(text: "abcdefgh"), for: request)
                == TokenUsage(input: 2, output: 2, estimated: true))
    }
}

/// Issue 11, item 15: an OpenAI-compatible server that is not OpenAI's own API gets the field it honours.
@Suite struct MaxTokensFieldTests {
    @Test(arguments: [
        ("https://api.openai.com/v1", "max_completion_tokens"), ("http://127.0.0.1:8080/v1", "max_tokens"),
        ("https://api.together.xyz/v1", "max_tokens"), ("https://API.OPENAI.COM/v1/", "max_completion_tokens"),
        ("https://eu.api.openai.com/v1", "max_completion_tokens"),
    ])
    func fieldByServer(_ base: String, _ field: String) throws {
        let r = try resolved(
            entity("openai", #""openai_config": {"openai_api_key_plaintext": "k", "openai_api_base": "\#(base)"}"#))
        let b = try body(WireFormat(r[0]).request(chat))
        #expect(b[field] as? Int == 50)
        #expect(b.keys.filter { $0.hasPrefix("max_") } == [field])
    }
}
