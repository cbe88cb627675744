import ABCore
import ABServer
import Foundation
import TestSupport
import Testing

@testable import abtop

/// Issue 27, item 3: `abtop promote` writes the decided split as Databricks' `PUT …/config` body (the abtop
/// block gone, keys still references) or applies it to a Databricks-compatible host.
@Suite struct PromoteTests {
    static let config = """
        {"name": "promoted", "config": {"served_entities": [
           {"name": "a", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat",
             "openai_config": {"openai_api_key": "{{secrets/team/openai}}"}}},
           {"name": "b", "external_model": {"name": "claude-3-5-haiku", "provider": "anthropic", "task": "llm/v1/chat",
             "anthropic_config": {"anthropic_api_key": "{{secrets/team/anthropic}}"}}}],
          "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 50},
                                        {"served_model_name": "b", "traffic_percentage": 50}]}},
         "abtop": {"retries": {"max": 0}, "rollout": {"baseline": "a", "candidate": "b"}}}
        """

    @Test func theBodyIsTheConfigWithTheSplitAndNoAbtopBlock() async throws {
        let path = try AbtopBinary.temporaryFile(Self.config, name: "promoted.json")
        let r = try await AbtopBinary.run(["promote", path, "--weights", "a=0,b=100"])
        #expect(r.status == 0, "\(r.stderr)")
        let body = try JSONParser.parse(r.stdout)
        #expect(Set(body.objectValue?.keys ?? []) == ["served_entities", "traffic_config"])
        let routes = body[key: "traffic_config"]?[key: "routes"]?.arrayValue ?? []
        #expect(routes.map { $0[key: "traffic_percentage"]?.intValue } == [0, 100])
        // The keys stay references: nothing was resolved (no key is set in this environment anyway).
        #expect(r.stdout.contains("{{secrets/team/openai}}") && r.stdout.contains("{{secrets/team/anthropic}}"))
        // The served entities are the config's, as written.
        let original = try JSONParser.parse(Self.config)[key: "config"]?[key: "served_entities"]
        #expect(body[key: "served_entities"] == original)
        let wrong = try await AbtopBinary.run(["promote", path, "--weights", "a=10,b=80"])
        #expect(wrong.status == 1 && wrong.stderr.contains("summing to 100"), "\(wrong.stderr)")
    }

    @Test func aKeyInPlainTextIsNeverWrittenOut() async throws {
        let plain = Self.config.replacingOccurrences(
            of: #""openai_api_key": "{{secrets/team/openai}}""#, with: #""openai_api_key_plaintext": "sk-live-DO-NOT""#)
        let path = try AbtopBinary.temporaryFile(plain, name: "plain.json")
        let r = try await AbtopBinary.run(["promote", path, "--weights", "a=0,b=100"])
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stderr.contains("config.served_entities[0].external_model.openai_config.openai_api_key_plaintext"))
        #expect(!r.stdout.contains("sk-live") && !r.stderr.contains("sk-live"))
    }

    /// Applied to another `abtop serve` (`--to`): its endpoint takes the promoted split.
    @Test func promoteToAnotherServeMovesItsSplit() async throws {
        let stack = try await ServeRuntimeTests().start()
        _ = try stack.registry.create(JSONParser.parse(Self.config))
        let path = try AbtopBinary.temporaryFile(Self.config, name: "promoted.json")
        let r = try await AbtopBinary.run(
            ["promote", path, "--weights", "a=20,b=80", "--to", "http://127.0.0.1:\(stack.server.port)"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try JSONParser.parse(
            await RawHTTP.send("GET", port: stack.server.port, path: "/api/2.0/serving-endpoints/promoted").text)
        let routes = doc[key: "config"]?[key: "traffic_config"]?[key: "routes"]?.arrayValue ?? []
        #expect(routes.map { $0[key: "traffic_percentage"]?.intValue } == [20, 80], "\(doc.rendered())")
        // A token never goes over plain http to another machine.
        let exposed = try await AbtopBinary.run(
            ["promote", path, "--weights", "a=20,b=80", "--to", "http://example.invalid"],
            environment: ["DATABRICKS_TOKEN": "dapi-secret-token"])
        #expect(exposed.status == 1 && exposed.stderr.contains("only over https"), "\(exposed.stderr)")
        // Without a decided split the journal has nothing to offer.
        let undecided = try await AbtopBinary.run(["promote", path, "--store", stack.journalPath])
        #expect(undecided.status == 1 && undecided.stderr.contains("still ramping"), "\(undecided.stderr)")
        await stack.stop()
    }
}
