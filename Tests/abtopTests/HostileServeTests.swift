import ABCore
import ABEngine
import ABReport
import ABServer
import ABStore
import Foundation
import TestSupport
import Testing

@testable import abtop

/// A provider that echoes the request's headers, behind `abtop serve` (issue 11, item 3): the key reaches no
/// client answer (JSON or streamed), no /metrics, no journal byte and no report.
@Suite struct HostileServeTests {
    static let key = "sk-serve-echo-KEY-0123456789abcdef"

    @Test func anEchoedKeyReachesNoAnswerMetricsJournalOrReport() async throws {
        let hostile = try HostileProvider()
        let journalPath = AbtopBinary.scratch.appendingPathComponent("hostile-\(UUID().uuidString).sqlite").path
        let transport = CurlTransport()
        let factory = ServeRuntimeFactory(
            simulated: nil, resolver: SecretResolver(environment: [:]),
            journal: try Journal(path: journalPath), transport: transport, seed: 3)
        let registry = ServingRegistry(factory: factory)
        let server = try await ServingServer.start(.init(port: 0), registry: registry)
        _ = try registry.create(
            JSONParser.parse(
                """
                {"name": "echo", "config": {"served_entities": [
                   {"name": "one", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
                     "openai_config": {"openai_api_key_plaintext": "\(Self.key)"}}}]},
                 "abtop": {"entities": {"one": {"base_url": "\(hostile.baseURL("echo"))"}}, "retries": {"max": 0}}}
                """))
        var answers: [RawHTTP.Reply] = []
        for stream in [false, true] {
            answers.append(
                await RawHTTP.post(
                    port: server.port, path: "/serving-endpoints/echo/invocations", headers: [:],
                    body: #"{"messages": [{"role": "user", "content": "hello"}], "stream": \#(stream)}"#))
        }
        let metrics = await RawHTTP.send("GET", port: server.port, path: "/metrics")
        await server.stop()
        await registry.closeAll()
        transport.shutdown()
        hostile.stop()

        for answer in answers {
            #expect(answer.text.contains("you sent"), "the provider's message is passed on: \(answer.text)")
            #expect(!answer.text.contains(Self.key))
        }
        #expect(metrics.status == 200 && !metrics.text.contains(Self.key))
        let bytes =
            try Data(contentsOf: URL(fileURLWithPath: journalPath))
            + ((try? Data(contentsOf: URL(fileURLWithPath: journalPath + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data(Self.key.utf8)) == nil, "no journal byte holds the key")
        let journal = try Journal(path: journalPath)
        let session = try #require(try journal.sessions().first { $0.endpoint == "echo" })
        let stored = try #require(try journal.session(session.id))
        #expect(stored.records.count == 2)
        for format in ReportFormat.allCases {
            let text = format.render(ReportBuilder.report(stored))
            #expect(!text.contains(Self.key), "\(format)")
        }
        #expect(ReportFormat.csv.render(ReportBuilder.report(stored)).contains("you sent"))
    }

    /// Issue 23, item 1: a provider that puts the key into a tool call's id and name, whole (JSON) or split over two
    /// deltas (a stream): no door's answer, no journal byte and no report holds the key or either half of it.
    @Test func aKeyInAToolCallsIdOrNameReachesNoClientJournalOrReport() async throws {
        let key = "sk-serve-tool-KEY-9876543210fedcba"
        let half = key.index(key.startIndex, offsetBy: key.count / 2)
        let halves = [String(key[..<half]), String(key[half...])]
        let hostile = try HostileProvider()
        let journalPath = AbtopBinary.scratch.appendingPathComponent("toolecho-\(UUID().uuidString).sqlite").path
        let transport = CurlTransport()
        let factory = ServeRuntimeFactory(
            simulated: nil, resolver: SecretResolver(environment: [:]),
            journal: try Journal(path: journalPath), transport: transport, seed: 3)
        let registry = ServingRegistry(factory: factory)
        let server = try await ServingServer.start(.init(port: 0), registry: registry)
        _ = try registry.create(
            JSONParser.parse(
                """
                {"name": "toolecho", "config": {"served_entities": [
                   {"name": "one", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
                     "openai_config": {"openai_api_key_plaintext": "\(key)"}}}]},
                 "abtop": {"entities": {"one": {"base_url": "\(hostile.baseURL("toolecho"))"}}, "retries": {"max": 0}}}
                """))
        let tools =
            #""tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]"#
        let anthropicTools = #""tools": [{"name": "lookup", "input_schema": {"type": "object"}}]"#
        var answers: [(String, RawHTTP.Reply)] = []
        for stream in [false, true] {
            let chat = #"{"messages": [{"role": "user", "content": "hi"}], "stream": \#(stream), \#(tools)"#
            for (path, body) in [
                ("/serving-endpoints/toolecho/invocations", chat + "}"),
                ("/v1/chat/completions", chat + #", "model": "toolecho"}"#),
                (
                    "/v1/messages",
                    #"{"model": "toolecho", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}], "#
                        + #""stream": \#(stream), \#(anthropicTools)}"#
                ),
            ] {
                answers.append(
                    (
                        "\(path) stream=\(stream)",
                        await RawHTTP.post(port: server.port, path: path, headers: [:], body: body)
                    ))
            }
        }
        await server.stop()
        await registry.closeAll()
        transport.shutdown()
        hostile.stop()

        for (door, answer) in answers {
            #expect(answer.status == 200, "\(door): \(answer.text)")
            #expect(answer.text.contains("‹redacted›"), "\(door): the call went out, redacted: \(answer.text)")
            for piece in [key] + halves {
                #expect(!answer.text.contains(piece), "\(door) sent \(piece): \(answer.text)")
            }
        }
        let bytes =
            try Data(contentsOf: URL(fileURLWithPath: journalPath))
            + ((try? Data(contentsOf: URL(fileURLWithPath: journalPath + "-wal"))) ?? Data())
        for piece in [key] + halves {
            #expect(bytes.range(of: Data(piece.utf8)) == nil, "a journal byte holds \(piece)")
        }
        let journal = try Journal(path: journalPath)
        let session = try #require(try journal.sessions().first { $0.endpoint == "toolecho" })
        let stored = try #require(try journal.session(session.id))
        #expect(stored.records.count == answers.count)
        for format in ReportFormat.allCases {
            let text = format.render(ReportBuilder.report(stored))
            for piece in [key] + halves { #expect(!text.contains(piece), "\(format)") }
        }
    }

    /// Issue 23, item 2: 600 refused creates, each with a key of its own, register nothing (old code filled the
    /// redactor's 4,096 values this way); a key from the environment, echoed by a provider afterwards, is still
    /// redacted.
    @Test func refusedConfigsCannotFillTheRedactor() async throws {
        let envKey = "env-held-key-after-the-flood-55aa"
        let hostile = try HostileProvider()
        let transport = CurlTransport()
        let factory = ServeRuntimeFactory(
            simulated: nil, resolver: SecretResolver(environment: ["OPENAI_API_KEY": envKey]), journal: nil,
            transport: transport, seed: 3)
        let registry = ServingRegistry(factory: factory)
        let server = try await ServingServer.start(.init(port: 0), registry: registry)
        var refusedKeys: [String] = []
        for i in 0..<600 {
            let key = "refused-flood-key-\(i)-padding"
            refusedKeys.append(key)
            let reply = await RawHTTP.post(
                port: server.port, path: "/api/2.0/serving-endpoints", headers: [:],
                body: """
                    {"name": "flood\(i)", "config": {"served_entities": [
                       {"name": "one", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
                         "openai_config": {"openai_api_key_plaintext": "\(key)"}, "nonsense": true}}]}}
                    """)
            #expect(reply.status == 400)
        }
        #expect(refusedKeys.allSatisfy { SecretRedactor.redact($0) == $0 }, "a refused config registered its key")
        _ = try registry.create(
            JSONParser.parse(
                """
                {"name": "after", "config": {"served_entities": [
                   {"name": "one", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
                     "openai_config": {}}}]},
                 "abtop": {"entities": {"one": {"base_url": "\(hostile.baseURL("echo"))"}}, "retries": {"max": 0}}}
                """))
        let answer = await RawHTTP.post(
            port: server.port, path: "/serving-endpoints/after/invocations", headers: [:],
            body: #"{"messages": [{"role": "user", "content": "hello"}]}"#)
        _ = try await registry.delete("after")
        #expect(SecretRedactor.redact(envKey) == envKey, "a deleted endpoint's key stays registered")
        await server.stop()
        await registry.closeAll()
        transport.shutdown()
        hostile.stop()
        #expect(answer.text.contains("you sent"), "\(answer.text)")
        #expect(!answer.text.contains(envKey))
    }
}
