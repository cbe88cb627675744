import ABCore
import Foundation
import Testing

@testable import abtop

@Suite struct ValidateCommandTests {
    @Test func articleExampleCorrectedIsValidAt5050() async throws {
        let r = try await AbtopBinary.run(["validate", "examples/mix-chat-endpoint.json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map(String.init)
        let one = try #require(rows.first { $0.hasPrefix("served_model_name_1") })
        let two = try #require(rows.first { $0.hasPrefix("served_model_name_2") })
        #expect(one.contains("openai") && one.contains("gpt-4") && one.contains(" 50%"))
        #expect(two.contains("anthropic") && two.contains("claude-3-opus-20240229") && two.contains(" 50%"))
        #expect(r.stdout.hasPrefix("mix-chat-endpoint: valid (2 served entities, task llm/v1/chat)"))
    }

    /// Every example, the new providers' in the shape Databricks' documentation shows, validates; each new
    /// provider's shows its entities and where requests go.
    @Test(arguments: [
        "examples/canary-90-10.json", "examples/custom-openai-compatible.json", "examples/amazon-bedrock.json",
        "examples/google-cloud-vertex-ai.json", "examples/cohere.json", "examples/system-prompts-ab.json",
    ])
    func everyExampleIsValid(path: String) async throws {
        let r = try await AbtopBinary.run(["validate", path])
        #expect(r.status == 0, "\(r.stderr)")
        let expected = [
            "examples/amazon-bedrock.json": "https://bedrock-runtime.us-east-1.amazonaws.com",
            "examples/google-cloud-vertex-ai.json": "https://us-central1-aiplatform.googleapis.com",
            "examples/cohere.json": "https://api.cohere.com",
            "examples/system-prompts-ab.json": "sends: temperature 0.7",
        ]
        if let line = expected[path] { #expect(r.stdout.contains(line), "\(r.stdout)") }
    }

    @Test func theArticlesOwnConfigIsRejectedWithExactPaths() async throws {
        let path = AbtopBinary.fixtures.appendingPathComponent("seed-article-config.txt").path
        let r = try await AbtopBinary.run(["validate", path, "--name", "mix-chat-endpoint"])
        #expect(r.status == 1)
        let expected = [
            """
            error: served_entities[0].external_model.provider: missing required key "provider"
              fix: add "provider": "openai" (this entity has an openai_config)
            """,
            """
            error: served_entities[1].external_model.provider: missing required key "provider"
              fix: add "provider": "anthropic" (this entity has an anthropic_config)
            """,
            """
            error: served_entities[1].external_model.anthropic_config.openai_api_key: "openai_api_key" is a key of openai_config, not of anthropic_config
              fix: rename it to "anthropic_api_key"; its value, a {{secrets/<scope>/<key>}} reference, stays as it is
            """,
        ]
        for block in expected { #expect(r.stderr.contains(block), "missing:\n\(block)\nin:\n\(r.stderr)") }
        #expect(r.stderr.hasSuffix("3 errors\n"), "\(r.stderr)")
    }

    @Test func articleConfigAsJSON() async throws {
        let path = AbtopBinary.fixtures.appendingPathComponent("seed-article-config.txt").path
        let r = try await AbtopBinary.run(["validate", path, "--json"])
        #expect(r.status == 1)
        let json = try JSONParser.parse(r.stdout)
        guard case .array(let errors) = json.objectValue?["errors"] else {
            Issue.record("no errors array")
            return
        }
        let paths = errors.compactMap { $0.objectValue?["path"]?.stringValue }
        #expect(
            paths == [
                "served_entities[0].external_model.provider", "served_entities[1].external_model.provider",
                "served_entities[1].external_model.anthropic_config.openai_api_key",
            ])
        #expect(json.objectValue?["valid"] == .bool(false))
    }

    @Test func usageErrorsExitWith2() async throws {
        #expect(try await AbtopBinary.run(["validate"]).status == 2)
        #expect(try await AbtopBinary.run(["validate", "x.json", "--no-such-flag"]).status == 2)
        #expect(try await AbtopBinary.run(["no-such-command"]).status == 2)
    }

    @Test func missingFileExitsWith1() async throws {
        let r = try await AbtopBinary.run(["validate", "/nonexistent/endpoint.json"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("does not exist"))
    }

    @Test func keysNeverAppearButTheirSourceDoes() async throws {
        let plaintextKey = "sk-plaintext-NEVER-SHOWN-0001"
        let fileKey = "test-file-key-NEVER-SHOWN-0002"
        let envKey = "sk-env-NEVER-SHOWN-0003"
        let config = """
            {"served_entities": [
              {"name": "a", "external_model": {"name": "gpt-4", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key_plaintext": "\(plaintextKey)"}}},
              {"name": "b", "external_model": {"name": "claude-3-opus-20240229", "provider": "anthropic", "task": "llm/v1/chat",
                "anthropic_config": {"anthropic_api_key": "{{secrets/team/anthropic}}"}}},
              {"name": "c", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key": "{{secrets/team/openai}}"}}}
            ], "traffic_config": {"routes": [
              {"served_model_name": "a", "traffic_percentage": 40},
              {"served_model_name": "b", "traffic_percentage": 30},
              {"served_model_name": "c", "traffic_percentage": 30}]}}
            """
        let path = try AbtopBinary.temporaryFile(config)
        let secrets = try AbtopBinary.temporaryFile(#"{"team/anthropic": "\#(fileKey)"}"#, name: "secrets.json")
        let env = ["ABTOP_SECRET_TEAM_OPENAI": envKey]
        for extra in [[], ["--json"]] {
            let r = try await AbtopBinary.run(["validate", path, "--secrets", secrets] + extra, environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            let all = r.stdout + r.stderr
            for key in [plaintextKey, fileKey, envKey] { #expect(!all.contains(key)) }
            #expect(all.contains("plaintext in config"))
            #expect(all.contains("secrets file \(secrets) [team/anthropic]"))
            #expect(all.contains("$ABTOP_SECRET_TEAM_OPENAI"))
        }
    }

    @Test func missingKeysWarnOrFailOnRequest() async throws {
        let lenient = try await AbtopBinary.run(["validate", "examples/mix-chat-endpoint.json"])
        #expect(lenient.status == 0)
        #expect(
            lenient.stdout.contains(
                "warning: config.served_entities[0].external_model.openai_config.openai_api_key: no key found"))
        let strict = try await AbtopBinary.run(["validate", "examples/mix-chat-endpoint.json", "--require-secrets"])
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("$ABTOP_SECRET_MY_OPENAI_SECRET_SCOPE_OPENAI_API_KEY, $OPENAI_API_KEY"))
        let withEnv = try await AbtopBinary.run(
            ["validate", "examples/mix-chat-endpoint.json", "--require-secrets"],
            environment: ["OPENAI_API_KEY": "x", "ANTHROPIC_API_KEY": "y"])
        #expect(withEnv.status == 0, "\(withEnv.stderr)")
        #expect(withEnv.stdout.contains("$OPENAI_API_KEY") && withEnv.stdout.contains("$ANTHROPIC_API_KEY"))
    }

    @Test func baseURLsFollowTheSDKVariables() async throws {
        let r = try await AbtopBinary.run(
            ["validate", "examples/mix-chat-endpoint.json", "--json"],
            environment: [
                "OPENAI_BASE_URL": "http://127.0.0.1:9000/v1",
                "ANTHROPIC_BASE_URL": "http://127.0.0.1:9001",
            ])
        #expect(r.stdout.contains(#""base_url": "http://127.0.0.1:9000/v1""#))
        #expect(r.stdout.contains(#""base_url": "http://127.0.0.1:9001""#))
    }
}

/// Issue 24, item 9: a status message leaves on its own, and the key hints come back.
@Suite struct StatusNoteTests {
    @Test func aNoteLastsItsLifetimeThenGoes() async throws {
        var note = StatusNote(lifetime: 0.2)
        #expect(note.current == nil)
        note.set("report written to r.html")
        #expect(note.current == "report written to r.html")
        try await Task.sleep(for: .milliseconds(400))
        #expect(note.current == nil)
    }
}

/// Issue 24, item 14: without a terminal the dashboard is not drawn into a pipe (old: `abtop demo | head` ran for
/// 19 minutes); the commands say what to do instead and stop at once.
@Suite struct NoTerminalTests {
    @Test func demoAndLiveRunsRefuseWithoutATerminal() async throws {
        let demo = try await AbtopBinary.run(["demo", "--no-store"])
        #expect(demo.status == 2 && demo.stderr.contains("needs a terminal"), "\(demo.stderr)")
        #expect(demo.stdout.isEmpty, "no screen and no summary in the pipe")
        let run = try await AbtopBinary.run(["run", "examples/mix-chat-endpoint.json", "--no-store"])
        #expect(run.status == 2 && run.stderr.contains("--headless"), "\(run.stderr)")
    }
}

/// Issue 24, item 16: small things a new user tripped on.
@Suite struct FirstUseTests {
    @Test func sessionsRefusesNoStore() async throws {
        let sessions = try await AbtopBinary.run(["sessions", "--no-store"])
        #expect(sessions.status != 0 && sessions.stderr.contains("--no-store keeps no journal"), "\(sessions.stderr)")
    }
}

/// Issue 24: `abtop init` writes a config that validates, with keys as references.
@Suite struct InitCommandTests {
    @Test func initWritesAValidConfigWithSecretReferences() async throws {
        let path = AbtopBinary.scratch.appendingPathComponent("init-\(UUID().uuidString).json").path
        let r = try await AbtopBinary.run([
            "init", "-o", path, "--entity", "openai:gpt-4o-mini=70", "--entity",
            "anthropic:claude-3-5-haiku-20241022=30",
        ])
        #expect(r.status == 0 && r.stdout.contains("split 70/30"), "\(r.stderr)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            text.contains("{{secrets/openai/openai_api_key}}")
                && text.contains("{{secrets/anthropic/anthropic_api_key}}"))
        let validate = try await AbtopBinary.run(["validate", path])
        #expect(validate.status == 0, "\(validate.stderr)")
        // An existing file is kept unless --force; a typo gets a suggestion; percentages must add up.
        let again = try await AbtopBinary.run(["init", "-o", path, "--entity", "openai:gpt-4o"])
        #expect(again.status == 1 && again.stderr.contains("--force"))
        let typo = try await AbtopBinary.run(["init", "-o", path + ".2", "--entity", "antropic:x"])
        #expect(typo.status != 0 && typo.stderr.contains("did you mean anthropic"))
        let vertex = try await AbtopBinary.run([
            "init", "-o", path + ".4", "--entity", "google-cloud-vertex-ai:gemini-1.5-pro",
        ])
        #expect(vertex.status == 0 && vertex.stdout.contains("project_id and region are placeholders"))
        let sum = try await AbtopBinary.run([
            "init", "-o", path + ".3", "--entity", "openai:a=60", "--entity", "cohere:b=30",
        ])
        #expect(sum.status != 0 && sum.stderr.contains("add up to 90"))
    }
}
