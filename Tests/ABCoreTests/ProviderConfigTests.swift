import ABCore
import ABProviders
import Testing

/// The new providers' blocks, by Databricks' field names: the documented shape reads, each typical mistake is an
/// error at its own path with a fix, and a secret is never quoted.
@Suite struct ProviderConfigTests {
    static func endpoint(_ provider: String, block: String, _ fields: String, abtop: String = "{}") -> String {
        """
        {"served_entities": [{"name": "e", "external_model": {"name": "m-1:0", "provider": "\(provider)",
          "task": "llm/v1/chat", "\(block)": {\(fields)}}}],
         "traffic_config": {"routes": [{"served_model_name": "e", "traffic_percentage": 100}]}, "abtop": \(abtop)}
        """
    }

    static func issues(_ text: String) -> [String: ConfigIssue] {
        let o = EndpointConfigReader.read(text: text, defaultName: "t")
        return Dictionary(
            (o.issues.errors + o.issues.warnings).map { ($0.path.description, $0) }, uniquingKeysWith: { a, _ in a })
    }

    static let bedrockKeys =
        #""aws_access_key_id": "{{secrets/aws/id}}", "aws_secret_access_key": "{{secrets/aws/secret}}""#

    @Test func bedrockAsDatabricksDocumentsIt() throws {
        let o = EndpointConfigReader.read(
            text: Self.endpoint(
                "amazon-bedrock", block: "amazon_bedrock_config",
                #""aws_region": "us-east-1", \#(Self.bedrockKeys), "bedrock_provider": "Anthropic""#),
            defaultName: "t")
        let c = try #require(o.config, "\(o.issues)")
        guard let s = c.servedEntities[0].providerSettings as? AmazonBedrockSettings else {
            Issue.record("not bedrock")
            return
        }
        // Databricks takes the family in any case.
        #expect(s.region == "us-east-1" && s.family == .anthropic && s.instanceProfileARN == nil)
        #expect(s.accessKeyID.conventionalVariables == ["AWS_ACCESS_KEY_ID"])
    }

    @Test(arguments: [
        (#""aws_region": "US East 1", \#(bedrockKeys), "bedrock_provider": "anthropic""#, "aws_region", "not a region"),
        (#""aws_region": "us-east-1", \#(bedrockKeys), "bedrock_provider": "claude""#, "bedrock_provider", "unknown"),
        (#""aws_region": "us-east-1", \#(bedrockKeys)"#, "bedrock_provider", "missing"),
        (#"\#(bedrockKeys), "bedrock_provider": "amazon""#, "aws_region", "missing"),
        (
            #""aws_region": "us-east-1", "aws_access_key_id": "{{secrets/aws/id}}", "bedrock_provider": "amazon""#,
            "aws_secret_access_key", "without"
        ),
        (
            #""aws_region": "us-east-1", \#(bedrockKeys), "instance_profile_arn": "arn:aws:iam::1:instance-profile/x", "bedrock_provider": "amazon""#,
            "", "both access keys"
        ),
        (
            #""aws_region": "us-east-1", "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "{{secrets/aws/secret}}", "bedrock_provider": "amazon""#,
            "aws_access_key_id", "literal value"
        ),
        (
            #""aws_region": "us-east-1", "openai_api_key": "{{secrets/a/b}}", "bedrock_provider": "amazon""#,
            "openai_api_key", "openai_config"
        ),
    ])
    func bedrockMistakes(fields: String, key: String, says: String) {
        let all = Self.issues(Self.endpoint("amazon-bedrock", block: "amazon_bedrock_config", fields))
        let path = "served_entities[0].external_model.amazon_bedrock_config" + (key.isEmpty ? "" : "." + key)
        let issue = all[path]
        #expect(issue?.message.contains(says) == true, "\(path): \(all.mapValues(\.message))")
        #expect(issue?.fix != nil || issue?.severity == .warning)
        #expect(!all.values.map(\.description).joined().contains("AKIAIOSFODNN7EXAMPLE"))
    }

    @Test func bedrockWithNoKeysWarnsItWillUseTheAWSVariables() {
        let all = Self.issues(
            Self.endpoint(
                "amazon-bedrock", block: "amazon_bedrock_config",
                #""aws_region": "us-east-1", "bedrock_provider": "amazon""#))
        let w = all["served_entities[0].external_model.amazon_bedrock_config.aws_access_key_id"]
        #expect(w?.severity == .warning && w?.message.contains("$AWS_ACCESS_KEY_ID") == true)
    }

    static let keyFile =
        #"{\"type\": \"service_account\", \"client_email\": \"a@p.iam.gserviceaccount.com\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n\"}"#

    @Test func vertexAsDatabricksDocumentsIt() throws {
        let o = EndpointConfigReader.read(
            text: Self.endpoint(
                "google-cloud-vertex-ai", block: "google_cloud_vertex_ai_config",
                #""project_id": "my-project", "region": "us-central1", "private_key": "{{secrets/gcp/key}}""#),
            defaultName: "t")
        let c = try #require(o.config, "\(o.issues)")
        guard let s = c.servedEntities[0].providerSettings as? VertexAISettings else {
            Issue.record("not vertex")
            return
        }
        #expect(s.projectID == "my-project" && s.region == "us-central1" && s.privateKey.kind == .serviceAccountKey)
        let plain = EndpointConfigReader.read(
            text: Self.endpoint(
                "google-cloud-vertex-ai", block: "google_cloud_vertex_ai_config",
                #""project_id": "my-project", "region": "us-central1", "private_key_plaintext": "\#(Self.keyFile)""#),
            defaultName: "t")
        #expect(plain.config != nil, "\(plain.issues)")
    }

    @Test(arguments: [
        (#""region": "us-central1", "private_key": "{{secrets/gcp/key}}""#, "project_id", "missing"),
        (
            #""project_id": "My Project", "region": "us-central1", "private_key": "{{secrets/gcp/key}}""#, "project_id",
            "project id"
        ),
        (#""project_id": "p", "private_key": "{{secrets/gcp/key}}""#, "region", "missing"),
        (#""project_id": "p", "region": "us-central1""#, "private_key", "service account"),
        (
            #""project_id": "p", "region": "us-central1", "private_key_plaintext": "-----BEGIN PRIVATE KEY-----\nMIIEsecret\n-----END PRIVATE KEY-----""#,
            "private_key_plaintext", "bare PEM"
        ),
        (
            #""project_id": "p", "region": "us-central1", "private_key_plaintext": "{\"private_key\": \"MIIEsecret\"}""#,
            "private_key_plaintext", "client_email"
        ),
    ])
    func vertexMistakes(fields: String, key: String, says: String) {
        let all = Self.issues(Self.endpoint("google-cloud-vertex-ai", block: "google_cloud_vertex_ai_config", fields))
        let path = "served_entities[0].external_model.google_cloud_vertex_ai_config." + key
        #expect(all[path]?.message.contains(says) == true, "\(path): \(all.mapValues(\.message))")
        #expect(!all.values.map(\.description).joined().contains("MIIEsecret"))
    }

    @Test func cohereReadsAndRefusesABadBase() throws {
        let o = EndpointConfigReader.read(
            text: Self.endpoint("cohere", block: "cohere_config", #""cohere_api_key": "{{secrets/co/key}}""#),
            defaultName: "t")
        #expect(o.config != nil, "\(o.issues)")
        let all = Self.issues(
            Self.endpoint(
                "cohere", block: "cohere_config",
                #""cohere_api_key": "{{secrets/co/key}}", "cohere_api_base": "api.cohere.com""#))
        #expect(all["served_entities[0].external_model.cohere_config.cohere_api_base"]?.message.contains("URL") == true)
        let misplaced = Self.issues(
            Self.endpoint("cohere", block: "cohere_config", #""openai_api_key": "{{secrets/co/key}}""#))
        #expect(
            misplaced["served_entities[0].external_model.cohere_config.openai_api_key"]?.fix?.contains(
                "cohere_api_key") == true)
    }

    @Test func armSettingsReadAndTheirMistakesAreNamed() throws {
        let arms =
            #"{"entities": {"e": {"system_prompt": "Be brief.", "prompt_template": "Q: {{prompt}}", "temperature": 0, "top_p": 0.9, "max_tokens": 64, "stop": ["\n\n"], "extra_params": {"seed": 7}}}}"#
        let o = EndpointConfigReader.read(
            text: Self.endpoint("openai", block: "openai_config", #""openai_api_key": "{{secrets/a/b}}""#, abtop: arms),
            defaultName: "t")
        let arm = try #require(o.config?.settings.entities["e"], "\(o.issues)")
        #expect(arm.systemPrompt == "Be brief." && arm.promptTemplate == "Q: {{prompt}}" && arm.temperature == 0)
        #expect(arm.topP == 0.9 && arm.maxTokens == 64 && arm.stop == ["\n\n"] && arm.extraParams["seed"] == 7)
        #expect(arm.summary.hasPrefix("temperature 0 · top_p 0.9 · max_tokens 64"))
        for (settings, key, says) in [
            (#"{"prompt_template": "Answer briefly"}"#, "prompt_template", "{{prompt}}"),
            (#"{"temperature": 3}"#, "temperature", "between 0 and 2"),
            (#"{"extra_params": [1]}"#, "extra_params", "object"),
            (#"{"extra_params": {"messages": []}}"#, "extra_params.messages", "written by abtop"),
            (#"{"stop": []}"#, "stop", "list"),
            (#"{"sytem_prompt": "x"}"#, "sytem_prompt", "unknown key"),
        ] {
            let all = Self.issues(
                Self.endpoint(
                    "openai", block: "openai_config", #""openai_api_key": "{{secrets/a/b}}""#,
                    abtop: #"{"entities": {"e": \#(settings)}}"#))
            let issue = all["abtop.entities.e." + key]
            #expect(issue != nil && issue!.message.contains(says), "\(key): \(all.mapValues(\.message))")
        }
    }
}

/// A prompt's `"expect"`: what passes, what fails and why.
@Suite struct ExpectationTests {
    static let call = ToolCall(id: "c", name: "get_weather", arguments: #"{"city":"Paris","unit":"c","days":2}"#)

    @Test func toolArgumentsTextAndJSON() throws {
        let e = try Expectation.parse(["tool": "get_weather", "arguments": ["city": "Paris", "days": 2]]).get()
        #expect(e.check(text: "", calls: [Self.call]).passed)
        #expect(e.check(text: "", calls: []).reason == "no call of get_weather")
        let other = ToolCall(id: "d", name: "get_time", arguments: "{}")
        #expect(e.check(text: "", calls: [other]).reason == "called get_time, not get_weather")
        let wrong = ToolCall(id: "e", name: "get_weather", arguments: #"{"city":"Rome","days":2}"#)
        #expect(e.check(text: "", calls: [wrong]).reason == #"get_weather.city is not "Paris""#)
        // JSON as it means: numbers by value, members in any order.
        let nested = try Expectation.parse(["tool": "t", "arguments": ["n": 5, "loc": ["city": "Oslo", "cc": "NO"]]])
            .get()
        let same = ToolCall(
            id: "x", name: "t", arguments: #"{"loc": {"cc": "NO", "city": "Oslo", "zip": 1}, "n": 5.0}"#)
        #expect(nested.check(text: "", calls: [same]).passed)
        let words = try Expectation.parse(["contains": ["Paris", "SUNNY"]]).get()
        #expect(words.check(text: "paris is sunny", calls: []).passed)
        #expect(!words.check(text: "paris is wet", calls: []).passed)
        let json = try Expectation.parse(["json": true]).get()
        #expect(json.check(text: #"{"a": 1}"#, calls: []).passed && !json.check(text: "a: 1", calls: []).passed)
    }

    @Test func badExpectationsAreNamed() {
        for (value, says) in [
            (JSONValue.array([]), "must be an object"), (["tool": 3], "expect.tool"),
            (["colour": "red"], "no \"colour\""),
            (["arguments": ["a": 1]], "with expect.tool"), (["contains": [1]], "expect.contains"),
            ([:], "checks nothing"),
        ] as [(JSONValue, String)] {
            guard case .failure(let problem) = Expectation.parse(value) else {
                Issue.record("accepted \(value.rendered())")
                continue
            }
            #expect(problem.message.contains(says), "\(problem.message)")
        }
    }
}
