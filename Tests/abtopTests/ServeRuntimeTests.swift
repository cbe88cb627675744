import ABCore
import ABEngine
import ABServer
import ABStore
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import abtop

/// The serving endpoint with the real engine behind it (simulated providers on loopback, a real journal):
/// fallbacks, sticky sessions and the journal, for served traffic.
@Suite struct ServeRuntimeTests {
    struct Stack {
        let mock: RunningServer
        let server: RunningServer
        let registry: ServingRegistry
        let transport: CurlTransport
        let journalPath: String

        func stop() async {
            await server.stop()
            await registry.closeAll()
            transport.shutdown()
            await mock.stop()
        }
    }

    /// gpt-4 always answers 500; every other model answers at once.
    func start() async throws -> Stack {
        var down = MockProfile.fast
        down.errorRates = [500: 1]
        let mock = try await MockServer.start(
            .init(
                profiles: MockProfileSet(
                    rules: [.init(pattern: "gpt-4", profile: down)],
                    fallback: .fast), seed: 2))
        let journalPath = AbtopBinary.scratch.appendingPathComponent("serve-\(UUID().uuidString).sqlite").path
        let transport = CurlTransport()
        let factory = ServeRuntimeFactory(
            simulated: mock.anthropicBaseURL,
            resolver: SecretResolver(environment: [:]), journal: try Journal(path: journalPath),
            transport: transport, seed: 3)
        let registry = ServingRegistry(factory: factory)
        let server = try await ServingServer.start(.init(port: 0), registry: registry)
        return Stack(mock: mock, server: server, registry: registry, transport: transport, journalPath: journalPath)
    }

    func payload(_ name: String, firstModel: String, fallback: Bool) -> String {
        """
        {"name": "\(name)", "config": {"served_entities": [
           {"name": "one", "external_model": {"name": "\(firstModel)", "provider": "openai", "task": "llm/v1/chat",
             "openai_config": {"openai_api_key_plaintext": "plain-key-never-shown-31337"}}},
           {"name": "two", "external_model": {"name": "claude-3-5-sonnet", "provider": "anthropic", "task": "llm/v1/chat",
             "anthropic_config": {"anthropic_api_key": "{{secrets/s/k}}"}}}],
          "traffic_config": {"routes": [{"served_model_name": "one", "traffic_percentage": 50},
                                        {"served_model_name": "two", "traffic_percentage": 50}]}},
         "ai_gateway": {"fallback_config": {"enabled": \(fallback)}},
         "abtop": {"retries": {"max": 0}, "breaker": {"failures": 1000, "cooldown_s": 1}}}
        """
    }

    func ask(_ port: Int, _ endpoint: String, session: String? = nil, stream: Bool = false) async -> RawHTTP.Reply {
        await RawHTTP.post(
            port: port, path: "/serving-endpoints/\(endpoint)/invocations",
            headers: session.map { ["x-abtop-session": $0] } ?? [:],
            body: #"{"messages": [{"role": "user", "content": "hello"}], "max_tokens": 8, "stream": \#(stream)}"#)
    }

    @Test func fallbackRescuesServedRequestsAndMetricsSaySo() async throws {
        let stack = try await start()
        _ = try stack.registry.create(JSONParser.parse(payload("fb", firstModel: "gpt-4", fallback: true)))
        var served: [String: Int] = [:]
        for i in 0..<30 {
            let r = await ask(stack.server.port, "fb", stream: i % 2 == 0)
            #expect(r.status == 200, "\(r.status) \(r.text)")
            served[r.headers["served-model-name"] ?? "?", default: 0] += 1
        }
        let metrics = await RawHTTP.send("GET", port: stack.server.port, path: "/metrics").text
        await stack.stop()
        #expect(served == ["two": 30], "every request ends on the entity that works")
        // The requests the router gave to "one" failed there and were rescued by "two".
        let errors = metrics.split(separator: "\n").first {
            $0.hasPrefix(#"abtop_request_errors_total{endpoint="fb",entity="one",kind="http_5xx"}"#)
        }
        let fallbacks = metrics.split(separator: "\n").first {
            $0.hasPrefix(#"abtop_fallbacks_total{endpoint="fb",entity="two"}"#)
        }
        let e = Int(errors?.split(separator: " ").last ?? "") ?? -1
        let f = Int(fallbacks?.split(separator: " ").last ?? "") ?? -2
        #expect(e > 0 && e == f, "errors on one \(e), fallbacks on two \(f)")
        #expect(!metrics.contains("plain-key-never-shown-31337"))
        // The endpoint's verdicts are scraped too, one 0/1 series per state.
        #expect(metrics.contains(#"abtop_verdict{endpoint="fb",metric="error_rate",a="one",b="two",state="not_yet"}"#))
    }

    @Test func withoutFallbackTheProvidersFailureIsA502() async throws {
        let stack = try await start()
        _ = try stack.registry.create(JSONParser.parse(payload("nofb", firstModel: "gpt-4", fallback: false)))
        var statuses: [Int: Int] = [:]
        for _ in 0..<20 {
            let r = await ask(stack.server.port, "nofb")
            statuses[r.status, default: 0] += 1
            if r.status == 502 {
                #expect(r.headers["served-model-name"] == "one")
                #expect(r.text.contains(#""error_code":"INTERNAL_ERROR""#) && r.text.contains("served entity 'one'"))
            }
        }
        await stack.stop()
        #expect(statuses[502, default: 0] > 0 && statuses[200, default: 0] > 0 && statuses.count == 2)
    }

    @Test func stickySessionsKeepTheirEntityAndTheJournalHasEveryRequest() async throws {
        let stack = try await start()
        _ = try stack.registry.create(JSONParser.parse(payload("sticky", firstModel: "gpt-4o", fallback: false)))
        var byKey: [String: Set<String>] = [:]
        var ids: [String: String] = [:]
        for key in (0..<20).map({ "user-\($0)" }) {
            for _ in 0..<4 {
                let r = await ask(stack.server.port, "sticky", session: key)
                #expect(r.status == 200)
                byKey[key, default: []].insert(r.headers["served-model-name"] ?? "?")
                ids[r.headers["x-request-id"] ?? "?"] = r.headers["served-model-name"]
            }
        }
        let doc = try stack.registry.get("sticky").rendered()
        await stack.stop()
        #expect(byKey.values.allSatisfy { $0.count == 1 }, "a session key kept its entity: \(byKey)")
        #expect(Set(byKey.values.flatMap { $0 }) == ["one", "two"], "keys still spread by the weights")
        #expect(!doc.contains("plain-key-never-shown-31337"))

        let journal = try Journal(path: stack.journalPath)
        let session = try #require(try journal.sessions().first { $0.endpoint == "sticky" })
        let stored = try #require(try journal.session(session.id))
        #expect(stored.records.count == 80)
        for record in stored.records {
            #expect(ids[record.promptID] == ["one", "two"][record.outcome.entity], "journal and header disagree")
        }
        let bytes =
            try Data(contentsOf: URL(fileURLWithPath: stack.journalPath))
            + ((try? Data(contentsOf: URL(fileURLWithPath: stack.journalPath + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data("plain-key-never-shown-31337".utf8)) == nil)
    }

    /// Sixty sticky sessions of twenty requests on a healthy 50/50 split: only a session's first pick was
    /// randomised, so only it is counted — the SRM check sees 60 picks and stays quiet, and the journal marks the
    /// 1,140 follow-ups. Counted by request, the same traffic is 20 copies of each pick: a split of 34/26 sessions
    /// (well within chance) reads as 680/520 requests.
    @Test func stickySessionsOnAHealthySplitRaiseNoSampleRatioAlarm() async throws {
        let stack = try await start()
        _ = try stack.registry.create(JSONParser.parse(payload("sessions", firstModel: "gpt-4o", fallback: false)))
        let (sessions, length) = (60, 20)
        let failures = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var failed = 0
                    for s in stride(from: worker, to: sessions, by: 4) {
                        for _ in 0..<length
                        where await ask(stack.server.port, "sessions", session: "s-\(s)").status != 200 {
                            failed += 1
                        }
                    }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
        let metrics = await RawHTTP.send("GET", port: stack.server.port, path: "/metrics").text
        await stack.stop()
        #expect(failures == 0)
        let line = metrics.split(separator: "\n").first { $0.hasPrefix(#"abtop_srm_p_value{endpoint="sessions""#) }
        let p = Double(line?.split(separator: " ").last ?? "") ?? -1
        #expect(p > 0.001, "SRM p-value \(p): \(line ?? "no SRM line")")

        let journal = try Journal(path: stack.journalPath)
        let session = try #require(try journal.sessions().first { $0.endpoint == "sessions" })
        let stored = try #require(try journal.session(session.id))
        #expect(stored.records.count == sessions * length)
        let firsts = stored.records.filter { !$0.outcome.repeatsSession }
        #expect(firsts.count == sessions, "one randomised pick per session")
        let perEntity = Dictionary(grouping: firsts, by: \.outcome.entity).mapValues(\.count)
        #expect(perEntity.values.reduce(0, +) == sessions && perEntity.count == 2, "\(perEntity)")
    }

    /// The dashboard's slider and `PUT …/config` move the same endpoint's split at the same time, many times:
    /// every change is one epoch in the stats, in the journal (same weights, same order) and the last one is what
    /// `GET …/{name}` shows.
    @Test func slidersAndConfigUpdatesAtOnceLoseNoEpoch() async throws {
        let stack = try await start()
        _ = try stack.registry.create(JSONParser.parse(payload("race", firstModel: "gpt-4o", fallback: false)))
        let model = ServeModel(registry: stack.registry, address: "test")
        let rounds = 25
        let putsDone = Atomic<Bool>(false)
        // The slider moves all the while the PUTs go on (first entity 1…40 %, never a value a PUT sets, never the
        // same twice in a row): every move and every PUT changes the split, so each must open one epoch.
        @Sendable func slide() async -> Int {
            var n = 0
            while !putsDone.load(ordering: .relaxed) {
                model.perform(.setWeights(Weights([1 + n % 40, 99 - n % 40])!))
                n += 1
                try? await Task.sleep(for: .microseconds(300))
            }
            return n
        }
        async let moves = slide()
        for i in 1...rounds {
            let body =
                #"{"traffic_config": {"routes": [{"served_model_name": "one", "traffic_percentage": \#(50 + i)}, {"served_model_name": "two", "traffic_percentage": \#(50 - i)}]}}"#
            let r = await RawHTTP.send(
                "PUT", port: stack.server.port, path: "/api/2.0/serving-endpoints/race/config", body: body)
            #expect(r.status == 200, "\(r.status) \(r.text)")
        }
        putsDone.store(true, ordering: .relaxed)
        let sliderMoves = await moves
        let doc = try stack.registry.get("race")
        let runtime = try #require(stack.registry.endpoint(named: "race")?.runtime as? ServeRuntime)
        let stats = runtime.host.session.snapshot().epochs.map(\.epoch)
        await stack.stop()
        #expect(stats.map(\.index) == Array(0...(sliderMoves + rounds)), "every change opened one epoch, none lost")
        let routes = doc[key: "config"]?[key: "traffic_config"]?[key: "routes"]?.arrayValue ?? []
        let shown = routes.compactMap { $0[key: "traffic_percentage"]?.intValue }
        #expect(shown == stats.last?.weights.percentages, "GET shows the split of the last epoch")
        let journal = try Journal(path: stack.journalPath)
        let session = try #require(try journal.sessions().first { $0.endpoint == "race" })
        let stored = try #require(try journal.session(session.id))
        #expect(stored.epochs == stats, "the journal holds the same epochs, in the same order")
    }
}
