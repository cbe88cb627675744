import ABCore
import ABServer
import Foundation
import Testing

/// `abtop serve`'s refusals, before anything listens.
@Suite struct ServeCommandTests {
    @Test func bindingBeyondLoopbackNeedsAToken() async throws {
        let r = try await AbtopBinary.run(["serve", "--simulate", "--host", "0.0.0.0", "--headless", "--no-store"])
        #expect(r.status == 64 || r.status == 2, "usage error expected, got \(r.status)")
        #expect(r.stderr.contains("--token"))
    }

    @Test func profileWithoutSimulateIsAUsageError() async throws {
        let r = try await AbtopBinary.run(["serve", "--profile", "fast", "--headless", "--no-store"])
        #expect(r.status != 0 && r.stderr.contains("--simulate"))
    }

    @Test func theArticlesConfigIsRefusedWithItsPaths() async throws {
        let path = AbtopBinary.fixtures.appendingPathComponent("seed-article-config.txt").path
        let r = try await AbtopBinary.run([
            "serve", path, "--name", "mix-chat-endpoint", "--simulate", "--headless",
            "--port", "0", "--no-store",
        ])
        #expect(r.status == 1)
        #expect(r.stderr.contains("served_entities[1].external_model.anthropic_config.openai_api_key"))
        #expect(!r.stdout.contains("listening"))
    }

    /// Without --simulate the keys must resolve; the error says where it looked, never a value.
    @Test func aMissingSecretSaysWhereItLooked() async throws {
        let r = try await AbtopBinary.run(
            ["serve", "examples/mix-chat-endpoint.json", "--headless", "--port", "0", "--no-store"],
            environment: ["ANTHROPIC_API_KEY": "sk-ant-test-not-a-key-000"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("ABTOP_SECRET_MY_OPENAI_SECRET_SCOPE_OPENAI_API_KEY"))
        #expect(r.stderr.contains("OPENAI_API_KEY"))
        #expect(!r.stderr.contains("sk-ant-test-not-a-key-000") && !r.stdout.contains("sk-ant-test-not-a-key-000"))
    }

    /// A port already taken is an error at once (it used to wait forever for the server to report its port).
    @Test func aTakenPortIsAnErrorNotAHang() async throws {
        let holder = try await MockServer.start(.init())
        let r = try await AbtopBinary.run([
            "serve", "--simulate", "--headless", "--no-store", "--port", "\(holder.port)",
        ])
        await holder.stop()
        #expect(r.status == 1)
        #expect(r.stderr.contains("could not listen on 127.0.0.1:\(holder.port)"))
    }
}
