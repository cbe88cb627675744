import ABCore
import ABProviders
import Testing

/// A valid two-entity bare config to break in each test.
private func entity(
    _ name: String, provider: String = "openai", model: String = "gpt-4",
    task: String = "llm/v1/chat", block: JSONValue? = nil
) -> JSONValue {
    let defaultBlock: JSONValue =
        provider == "anthropic"
        ? ["anthropic_api_key": "{{secrets/s/anthropic}}"] : ["openai_api_key": "{{secrets/s/openai}}"]
    let blockName = provider == "anthropic" ? "anthropic_config" : "openai_config"
    return [
        "name": .string(name),
        "external_model": [
            "name": .string(model), "provider": .string(provider), "task": .string(task),
            blockName: block ?? defaultBlock,
        ],
    ]
}

private func route(_ name: String, _ pct: JSONValue) -> JSONValue {
    ["served_model_name": .string(name), "traffic_percentage": pct]
}

private func config(entities: [JSONValue], routes: [JSONValue]) -> JSONValue {
    ["served_entities": .array(entities), "traffic_config": ["routes": .array(routes)]]
}

private let twoEntities = config(
    entities: [entity("a"), entity("b", provider: "anthropic", model: "claude-3-opus-20240229")],
    routes: [route("a", 50), route("b", 50)])

private func read(_ value: JSONValue) -> EndpointConfigReader.Outcome {
    EndpointConfigReader.read(value, defaultName: "test-endpoint")
}

/// Replaces the value at a path of keys and indices (`"served_entities", 0, "name"`), removing it when nil.
private func setting(_ value: JSONValue, _ path: [Any], to newValue: JSONValue?) -> JSONValue {
    guard let head = path.first else { return newValue ?? .null }
    let rest = Array(path.dropFirst())
    switch (value, head) {
    case (.object(var o), let key as String):
        if rest.isEmpty { o[key] = newValue } else { o[key] = setting(o[key] ?? .null, rest, to: newValue) }
        return .object(o)
    case (.array(var a), let i as Int):
        if rest.isEmpty { a[i] = newValue ?? .null } else { a[i] = setting(a[i], rest, to: newValue) }
        return .array(a)
    default:
        return value
    }
}

private func errors(_ o: EndpointConfigReader.Outcome) -> [String: ConfigIssue] {
    Dictionary(o.issues.errors.map { ($0.path.description, $0) }, uniquingKeysWith: { a, _ in a })
}

@Suite struct EndpointConfigReaderTests {
    @Test func bareConfigReads() throws {
        let o = read(twoEntities)
        let c = try #require(o.config, "\(o.issues)")
        #expect(c.name == "test-endpoint")
        #expect(c.servedEntities.map(\.name) == ["a", "b"])
        #expect(c.servedEntities[1].provider == "anthropic")
        #expect(c.weights.percentages == [50, 50])
        #expect(c.task == "llm/v1/chat")
        #expect(o.issues.all.isEmpty)
    }

    @Test func createPayloadReadsNameGatewayAndAbtopBlock() throws {
        let payload: JSONValue = [
            "name": "mix-chat-endpoint", "config": twoEntities,
            "ai_gateway": [
                "fallback_config": ["enabled": true],
                "rate_limits": [["calls": 100, "key": "endpoint", "renewal_period": "minute"]],
            ],
            "abtop": [
                "entities": ["b": ["base_url": "http://127.0.0.1:9000"]],
                "request": ["max_tokens": 64, "temperature": 0.5, "stream": false],
                "timeouts_s": ["connect": 2, "first_byte": 10, "total": 60],
                "retries": ["max": 3, "backoff_ms": 100],
                "breaker": ["failures": 4, "cooldown_s": 12.5],
                "router": ["strategy": "interleave", "seed": 42, "sticky": true],
                "prices": ["gpt-4": ["input_per_mtok": 30.0, "output_per_mtok": 60.0]],
            ],
        ]
        let o = read(payload)
        let c = try #require(o.config, "\(o.issues)")
        #expect(c.name == "mix-chat-endpoint")
        #expect(c.aiGateway.fallbackEnabled)
        #expect(c.aiGateway.rateLimits.first?.calls == 100 && c.aiGateway.rateLimits.first?.key == .endpoint)
        let s = c.settings
        #expect(s.baseURLs == ["b": "http://127.0.0.1:9000"])
        #expect(s.request.maxTokens == 64 && s.request.temperature == 0.5 && !s.request.stream)
        #expect(s.timeouts.connect == 2 && s.timeouts.firstByte == 10 && s.timeouts.total == 60)
        #expect(s.retries.max == 3 && s.retries.backoffMilliseconds == 100)
        #expect(s.breaker == Breaker.Policy(failures: 4, cooldown: 12.5))
        #expect(s.strategy == .interleave && s.seed == 42 && s.sticky)
        #expect(s.prices["gpt-4"] == Price(inputPerMillion: 30, outputPerMillion: 60))
    }

    @Test func numericStringPercentageIsAccepted() throws {
        let o = read(config(entities: [entity("a"), entity("b")], routes: [route("a", "70"), route("b", 30)]))
        #expect(try #require(o.config).weights.percentages == [70, 30])
    }

    @Test func entityWithoutRouteGetsZeroWithAWarning() throws {
        let o = read(config(entities: [entity("a"), entity("b")], routes: [route("a", 100)]))
        #expect(try #require(o.config).weights.percentages == [100, 0])
        #expect(o.issues.warnings.first?.path.description == "served_entities[1]")
    }

    @Test func entityNameDefaultsToTheModelNameAsDatabricksDoes() throws {
        let e = setting(entity("x", model: "gpt-4.1:mini"), ["name"], to: nil)
        let o = read(config(entities: [e], routes: [route("gpt-4-1-mini", 100)]))
        #expect(try #require(o.config, "\(o.issues)").servedEntities[0].name == "gpt-4-1-mini")
    }

    @Test func allErrorsComeBackAtOnceWithPathsAndFixes() {
        var broken = setting(twoEntities, ["served_entities", 0, "external_model", "providr"], to: "openai")
        broken = setting(broken, ["served_entities", 1, "external_model", "task"], to: "llm/v1/chat-x")
        broken = setting(broken, ["traffic_config", "routes", 1, "traffic_percentage"], to: 150)
        let e = errors(read(broken))
        #expect(e["served_entities[0].external_model.providr"]?.fix == "did you mean \"provider\"?")
        #expect(e["served_entities[1].external_model.task"]?.fix?.contains("did you mean \"llm/v1/chat\"") == true)
        #expect(e["traffic_config.routes[1].traffic_percentage"]?.message == "must be between 0 and 100, found 150")
        #expect(e.count == 3)
    }

    @Test func percentagesNotSummingTo100ShowTheSumAndAFix() {
        let e = errors(read(config(entities: [entity("a"), entity("b")], routes: [route("a", 45), route("b", 45)])))
        let issue = e["traffic_config.routes"]
        #expect(issue?.message == "traffic percentages add up to 90, not 100")
        #expect(issue?.fix == "make them add up to 100, e.g. a 50, b 50")
    }

    @Test func fractionalPercentageIsRefusedWithTheNeighbours() {
        let e = errors(
            read(config(entities: [entity("a"), entity("b")], routes: [route("a", 33.5), route("b", 66.5)])))
        #expect(e["traffic_config.routes[0].traffic_percentage"]?.message == "must be a whole number, found 33.5")
        #expect(e["traffic_config.routes[0].traffic_percentage"]?.fix == "write 33 or 34")
    }

    @Test func negativePercentageIsOutOfRange() {
        let e = errors(read(config(entities: [entity("a"), entity("b")], routes: [route("a", -10), route("b", 110)])))
        #expect(e["traffic_config.routes[0].traffic_percentage"] != nil)
        #expect(e["traffic_config.routes[1].traffic_percentage"] != nil)
    }

    @Test func duplicateEntityNames() {
        let e = errors(read(config(entities: [entity("a"), entity("a")], routes: [route("a", 100)])))
        #expect(e["served_entities[1].name"]?.message == "the name \"a\" is already used by served_entities[0]")
    }

    @Test func routeNamingAnUnknownEntity() {
        let e = errors(
            read(
                config(
                    entities: [entity("alpha"), entity("beta")],
                    routes: [route("alpha", 50), route("betta", 50)])))
        let issue = e["traffic_config.routes[1].served_model_name"]
        #expect(issue?.message == "no served entity is named \"betta\"")
        #expect(issue?.fix?.hasPrefix("did you mean \"beta\"?") == true)
    }

    @Test func mixedTasks() {
        let messages = read(
            config(
                entities: [entity("a"), entity("b", task: "llm/v1/completions")],
                routes: [route("a", 50), route("b", 50)])
        ).issues.errors
            .filter { $0.path.description == "served_entities[1].external_model.task" }.map(\.message)
        #expect(
            messages.contains(
                "all served entities share one task, but this one is \"llm/v1/completions\" and served_entities[0] is \"llm/v1/chat\""
            ))
        // Each task is served on its own; only the mix is wrong.
        #expect(messages.count == 1)
    }

    @Test func noEntities() {
        let e = errors(read(config(entities: [], routes: [])))
        #expect(e["served_entities"]?.message == "no served entities: an endpoint needs at least one")
    }

    @Test func unsupportedProviderSaysNotYet() {
        let palm: JSONValue = [
            "name": "c",
            "external_model": [
                "name": "chat-bison", "provider": "palm", "task": "llm/v1/chat",
                "palm_config": ["palm_api_key": "{{secrets/s/c}}"],
            ],
        ]
        let e = errors(read(config(entities: [entity("a"), palm], routes: [route("a", 50), route("c", 50)])))
        #expect(
            e["served_entities[1].external_model.provider"]?.message == "the provider \"palm\" is not supported yet")
    }

    @Test func unknownProviderListsTheAllowedValues() {
        let e = errors(read(config(entities: [entity("a", provider: "open-ai")], routes: [route("a", 100)])))
        let fix = e["served_entities[0].external_model.provider"]?.fix ?? ""
        #expect(fix.hasPrefix("did you mean \"openai\"? allowed: openai, anthropic, custom"))
    }

    @Test func keyAndPlaintextTogether() {
        let both: JSONValue = ["openai_api_key": "{{secrets/s/k}}", "openai_api_key_plaintext": "sk-secret-value-1"]
        let o = read(config(entities: [entity("a", block: both)], routes: [route("a", 100)]))
        let issue = errors(o)["served_entities[0].external_model.openai_config"]
        #expect(issue?.message == "both \"openai_api_key\" and \"openai_api_key_plaintext\" are given")
        #expect(!o.issues.description.contains("sk-secret-value-1"))
    }

    @Test func aLiteralKeyInTheReferenceFieldIsNeverEchoed() {
        let literal: JSONValue = ["openai_api_key": "sk-live-abcdefghijklmnop"]
        let o = read(config(entities: [entity("a", block: literal)], routes: [route("a", 100)]))
        let issue = errors(o)["served_entities[0].external_model.openai_config.openai_api_key"]
        #expect(issue?.fix?.contains("openai_api_key_plaintext") == true)
        #expect(!o.issues.description.contains("sk-live"))
    }

    @Test func plaintextKeyIsKeptAsASecret() throws {
        let o = read(
            config(
                entities: [entity("a", block: ["openai_api_key_plaintext": "sk-plain-123"])],
                routes: [route("a", 100)]))
        let c = try #require(o.config)
        guard let s = c.servedEntities[0].providerSettings as? OpenAISettings,
            case .plaintext(let value) = s.apiKey.source
        else {
            Issue.record("not a plaintext openai key")
            return
        }
        #expect(value.exposedForTransport() == "sk-plain-123")
        #expect(!"\(c)".contains("sk-plain-123"))
    }

    @Test func providerBlockThatDoesNotMatchTheProvider() {
        let e = errors(
            read(
                config(
                    entities: [entity("a", provider: "anthropic", block: nil)],
                    routes: [route("a", 100)])))
        #expect(e.isEmpty)
        var wrong = entity("a", provider: "openai")
        wrong = setting(wrong, ["external_model", "openai_config"], to: nil)
        wrong = setting(wrong, ["external_model", "anthropic_config"], to: ["anthropic_api_key": "{{secrets/s/k}}"])
        let e2 = errors(read(config(entities: [wrong], routes: [route("a", 100)])))
        #expect(
            e2["served_entities[0].external_model.anthropic_config"]?.fix?.hasPrefix("rename it to openai_config")
                == true)
    }

    @Test func azureNeedsBaseVersionAndDeployment() {
        let azure: JSONValue = ["openai_api_key": "{{secrets/s/k}}", "openai_api_type": "azure"]
        let e = errors(read(config(entities: [entity("a", block: azure)], routes: [route("a", 100)])))
        for key in ["openai_api_base", "openai_api_version", "openai_deployment_name"] {
            #expect(e["served_entities[0].external_model.openai_config.\(key)"] != nil, "\(key)")
        }
    }

    @Test func customProviderNeedsAURLAndOneAuth() throws {
        let custom: JSONValue = [
            "name": "c",
            "external_model": [
                "name": "llama", "provider": "custom", "task": "llm/v1/chat",
                "custom_provider_config": [
                    "custom_provider_url": "http://127.0.0.1:8000/v1",
                    "api_key_auth": ["key": "x-api-key", "value": "{{secrets/s/k}}"],
                ],
            ],
        ]
        let c = try #require(read(config(entities: [custom], routes: [route("c", 100)])).config)
        guard let s = c.servedEntities[0].providerSettings as? CustomProviderSettings,
            case .apiKey(let header, _) = s.auth
        else {
            Issue.record("not an api-key custom provider")
            return
        }
        #expect(header == "x-api-key" && s.url == "http://127.0.0.1:8000/v1")
        let bad = setting(
            custom, ["external_model", "custom_provider_config", "custom_provider_url"], to: "localhost:8000")
        let e = errors(read(config(entities: [bad], routes: [route("c", 100)])))
        #expect(e["served_entities[0].external_model.custom_provider_config.custom_provider_url"] != nil)
    }

    @Test func duplicateKeysAreNamed() throws {
        let text = #"{"served_entities": [], "served_entities": []}"#
        let o = EndpointConfigReader.read(text: text, defaultName: "x")
        #expect(
            o.issues.errors.contains {
                $0.path.description == "served_entities" && $0.message.contains("more than once")
            })
    }

    @Test func syntaxErrorIsOneIssueWithLineAndColumn() {
        let o = EndpointConfigReader.read(text: "{\n  \"served_entities\": [\n}", defaultName: "x")
        #expect(o.issues.errors.count == 1)
        #expect(o.issues.errors[0].message.contains("line 3, column 1"))
    }

    @Test func abtopBlockErrorsNameTheirPaths() {
        var payload: JSONValue = ["name": "e", "config": twoEntities]
        payload = setting(
            payload, ["abtop"],
            to: [
                "entities": ["c": ["base_url": "http://x"]],
                "router": ["strategy": "round-robin"],
                "request": ["max_tokens": 0],
                "timeouts_s": ["first_byte": 60, "total": 30],
            ])
        let e = errors(read(payload))
        #expect(e["abtop.entities.c"]?.message == "no served entity is named \"c\"")
        #expect(e["abtop.router.strategy"]?.fix?.contains("allowed: random, interleave") == true)
        #expect(e["abtop.request.max_tokens"] != nil)
        #expect(e["abtop.timeouts_s.first_byte"] != nil)
    }

    @Test func hostedModelFieldsAreExplained() {
        let hosted = setting(entity("a"), ["workload_size"], to: "Small")
        let e = errors(read(config(entities: [hosted], routes: [route("a", 100)])))
        #expect(e["served_entities[0].workload_size"]?.message.contains("hosted by Databricks") == true)
    }

    @Test func missingTrafficConfigSplitsEvenlyWithAWarning() throws {
        let o = read(["served_entities": [entity("a"), entity("b"), entity("c")]])
        #expect(try #require(o.config).weights.percentages == [34, 33, 33])
        #expect(o.issues.warnings.count == 1)
    }
}

/// Issue 24, item 11: one typo, one error: an entity that did not read is no unknown name elsewhere.
@Suite struct ValidateCascadeTests {
    @Test func aProviderTypoIsOneErrorNotACascade() {
        let o = EndpointConfigReader.read(
            text: """
                {"served_entities": [
                  {"name": "gpt", "external_model": {"name": "m", "provider": "antropic", "task": "llm/v1/chat",
                   "anthropic_config": {"anthropic_api_key": "{{secrets/s/k}}"}}},
                  {"name": "b", "external_model": {"name": "m", "provider": "openai", "task": "llm/v1/chat",
                   "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}}],
                 "traffic_config": {"routes": [{"served_model_name": "gpt", "traffic_percentage": 50},
                                               {"served_model_name": "b", "traffic_percentage": 50}]},
                 "abtop": {"entities": {"gpt": {"temperature": 0.5}, "gtp": {}}}}
                """, defaultName: "x")
        let errors = o.issues.all.filter { $0.severity == .error }
        #expect(errors.contains { $0.message.contains("unknown provider \"antropic\"") })
        #expect(!errors.contains { $0.message.contains("\"gpt\"") && $0.message.contains("no served entity") })
        // A name written nowhere is still caught.
        #expect(errors.contains { $0.message.contains("no served entity is named \"gtp\"") })
    }
}
