import ABCore
import ABProviders
import Testing

@testable import ABServer

@Suite struct ServingRegistryTests {
    let factory = FakeFactory()
    var registry: ServingRegistry { ServingRegistry(factory: factory) }

    func error(_ body: () async throws -> Void) async -> ServingError? {
        do {
            try await body()
            return nil
        } catch let e as ServingError {
            return e
        } catch {
            return nil
        }
    }

    @Test func createGetListDelete() async throws {
        let registry = self.registry
        #expect(registry.list() == .object(JSONObject(["endpoints": .array([])])))
        let doc = try registry.create(ServingFixtures.json(ServingFixtures.payload()))
        #expect(doc[key: "state"] == ["ready": "READY", "config_update": "NOT_UPDATING"])
        #expect(
            doc[key: "config"]?[key: "traffic_config"]?[key: "routes"]?[index: 1]?[key: "traffic_percentage"]?.intValue
                == 50)
        #expect(doc[key: "config"]?[key: "config_version"]?.intValue == 1)
        #expect(try registry.get("mix")[key: "name"]?.stringValue == "mix")
        #expect(registry.list()[key: "endpoints"]?.arrayValue?.count == 1)

        let duplicate = await error { _ = try registry.create(ServingFixtures.json(ServingFixtures.payload())) }
        #expect(duplicate?.status == 409 && duplicate?.code == "RESOURCE_ALREADY_EXISTS")

        #expect(try await registry.delete("mix") == .object(JSONObject()))
        #expect(factory.last?.closed == true)
        let gone = await error { _ = try registry.get("mix") }
        #expect(gone?.status == 404 && gone?.code == "RESOURCE_DOES_NOT_EXIST")
        let deleteAgain = await error { _ = try await registry.delete("mix") }
        #expect(deleteAgain?.status == 404)
    }

    /// Issue 23, item 4: endpoints are capped; concurrent creates cannot pass the cap together, a refused create
    /// builds no runtime, and a delete makes room again.
    @Test func createsPastTheCapAreA400AndBuildNothing() async throws {
        let factory = FakeFactory()
        let registry = ServingRegistry(factory: factory, maxEndpoints: 3)
        let outcomes = await withTaskGroup(of: ServingError?.self) { group in
            for i in 0..<12 {
                group.addTask {
                    await self.error {
                        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload(name: "e\(i)")))
                    }
                }
            }
            return await group.reduce(into: [ServingError?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 3)
        for refusal in outcomes.compactMap({ $0 }) {
            #expect(refusal.status == 400 && refusal.code == "RESOURCE_LIMIT_EXCEEDED", "\(refusal)")
            #expect(refusal.message.contains("--max-endpoints"))
        }
        #expect(factory.made.withLock { $0.count } == 3, "a refused create built a runtime")
        #expect(registry.endpoints.count == 3)
        let name = try #require(registry.endpoints.first?.name)
        _ = try await registry.delete(name)
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload(name: "again")))
        #expect(registry.endpoints.count == 3)
    }

    @Test func theArticlesSlipIsA400NamingThePath() async {
        let article = """
            {"name": "mix-chat-endpoint", "config": {"served_entities": [
              {"name": "served_model_name_2", "external_model": {"name": "claude-3-opus-20240229", "task": "llm/v1/chat",
                "anthropic_config": {"openai_api_key": "{{secrets/my_anthropic_secret_scope/anthropic_api_key}}"}}}],
             "traffic_config": {"routes": [{"served_model_name": "served_model_name_2", "traffic_percentage": 100}]}}}
            """
        let e = await error { _ = try registry.create(ServingFixtures.json(article)) }
        #expect(e?.status == 400)
        #expect(e?.code == "INVALID_PARAMETER_VALUE")
        #expect(e?.message.contains("config.served_entities[0].external_model.anthropic_config.openai_api_key") == true)
        #expect(e?.message.contains("anthropic_api_key") == true)
        #expect(e?.message.contains("config.served_entities[0].external_model.provider") == true)
    }

    @Test func aNewSplitAppliesLiveToTheSameRuntime() async throws {
        let registry = self.registry
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload()))
        let runtime = try #require(factory.last)
        let config = ServingFixtures.json(ServingFixtures.payload(weights: (80, 20)))[key: "config"]!
        let doc = try await registry.updateConfig("mix", config)
        #expect(factory.made.withLock { $0.count } == 1)
        #expect(runtime.weights.percentages == [80, 20])
        #expect(doc[key: "config"]?[key: "config_version"]?.intValue == 2)
        #expect(
            doc[key: "config"]?[key: "traffic_config"]?[key: "routes"]?[index: 0]?[key: "traffic_percentage"]?.intValue
                == 80)

        // Only the split, served_entities left out.
        let splitOnly = ServingFixtures.json(
            #"{"traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 30}, {"served_model_name": "b", "traffic_percentage": 70}]}}"#
        )
        _ = try await registry.updateConfig("mix", splitOnly)
        #expect(runtime.weights.percentages == [30, 70])

        // The dashboard's slider: GET shows it.
        runtime.setWeights(Weights([45, 55])!)
        #expect(
            try registry.get("mix")[key: "config"]?[key: "traffic_config"]?[key: "routes"]?[index: 1]?[
                key: "traffic_percentage"]?.intValue == 55)
    }

    @Test func newEntitiesStartANewRuntime() async throws {
        let registry = self.registry
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload()))
        let old = try #require(factory.last)
        let config = ServingFixtures.json(
            #"""
            {"served_entities": [{"name": "c", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
               "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}}],
             "traffic_config": {"routes": [{"served_model_name": "c", "traffic_percentage": 100}]}}
            """#)
        _ = try await registry.updateConfig("mix", config)
        #expect(factory.made.withLock { $0.count } == 2)
        #expect(old.closed)
        #expect(registry.endpoint(named: "mix")?.config.servedEntities.map(\.name) == ["c"])
    }

    @Test func aBadUpdateNamesThePathAndChangesNothing() async throws {
        let registry = self.registry
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload()))
        let bad = ServingFixtures.json(
            #"{"traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 70}, {"served_model_name": "b", "traffic_percentage": 20}]}}"#
        )
        let e = await error { _ = try await registry.updateConfig("mix", bad) }
        #expect(e?.status == 400)
        #expect(e?.message.contains("config.traffic_config.routes") == true)
        #expect(factory.last?.weights.percentages == [50, 50])
        #expect(try registry.get("mix")[key: "config"]?[key: "config_version"]?.intValue == 1)
    }

    @Test func tagsAreAddedReplacedAndDeleted() throws {
        let registry = self.registry
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload()))
        _ = try registry.patchTags(
            "mix",
            ServingFixtures.json(#"{"add_tags": [{"key": "team", "value": "a"}, {"key": "env", "value": "dev"}]}"#))
        let tags = try registry.patchTags(
            "mix", ServingFixtures.json(#"{"add_tags": [{"key": "team", "value": "b"}], "delete_tags": ["env"]}"#))
        #expect(tags == ServingFixtures.json(#"{"tags": [{"key": "team", "value": "b"}]}"#))
        #expect(try registry.get("mix")[key: "tags"] == ServingFixtures.json(#"[{"key": "team", "value": "b"}]"#))
    }

    @Test func gatewayTurnsFallbackOnAndLimitsCalls() async throws {
        let registry = self.registry
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload()))
        _ = try registry.updateAIGateway(
            "mix",
            ServingFixtures.json(
                #"""
                {"fallback_config": {"enabled": true},
                 "rate_limits": [{"calls": 2, "key": "endpoint", "renewal_period": "minute"}]}
                """#))
        #expect(factory.last?.fallback == true)
        _ = try registry.admit("mix", caller: "x")
        _ = try registry.admit("mix", caller: "y")
        let refused = await error { _ = try registry.admit("mix", caller: "z") }
        #expect(refused?.status == 429 && refused?.code == "REQUEST_LIMIT_EXCEEDED")
        #expect((refused?.retryAfter ?? 0) > 0 && (refused?.retryAfter ?? 99) <= 30)
        #expect(registry.endpoint(named: "mix")?.metrics.counts.rateLimited == 1)

        let badLimit = await error {
            _ = try registry.updateRateLimits(
                "mix", ServingFixtures.json(#"{"rate_limits": [{"calls": 5, "renewal_period": "hour"}]}"#))
        }
        #expect(badLimit?.message.contains("rate_limits[0].renewal_period") == true)
    }

    @Test func plaintextKeysNeverComeBack() throws {
        let registry = self.registry
        let payload = ServingFixtures.payload().replacingOccurrences(
            of: #""openai_api_key": "{{secrets/s/k}}""#,
            with: #""openai_api_key_plaintext": "plain-key-value-4242""#)
        let doc = try registry.create(ServingFixtures.json(payload))
        #expect(!doc.rendered().contains("plain-key-value-4242"))
        #expect(!registry.list().rendered().contains("plain-key-value-4242"))
    }
}
