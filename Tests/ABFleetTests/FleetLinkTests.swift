import ABCore
import ABServer
import Foundation
import Glibc
import Synchronization
import Testing

@testable import ABFleet

/// Issue 28: the fleet's shared state in a real Redis (a `redis-server` from Debian, started on a free loopback port
/// by each test and stopped after): the rate-limit script admits N across callers racing from many threads, the
/// publish and apply round trip, a Redis that lost its state, and what is refused before it reaches Redis.
@Suite struct FleetLinkTests {
    /// A throwaway redis-server on loopback.
    final class Server: @unchecked Sendable {
        let port: Int
        let pid: pid_t
        let directory: String

        init() throws {
            directory = NSTemporaryDirectory() + "/abtop-redis-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var lastError: (any Error)?
            for _ in 0..<5 {
                let port = Int.random(in: 20_000...60_000)
                var pid: pid_t = 0
                let words: [String] = [
                    "redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", directory, "--logfile", directory + "/redis.log",
                ]
                let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
                defer { for a in argv { free(a) } }
                guard posix_spawnp(&pid, "redis-server", nil, nil, argv, environ) == 0 else {
                    throw RedisConnection.Failure(
                        description: "cannot start redis-server (scripts/setup.sh installs it)")
                }
                let address = RedisAddress(host: "127.0.0.1", port: port)
                for _ in 0..<200 {
                    if let c = try? RedisConnection(address, timeout: 1), (try? c.command(["PING"])) == .status("PONG")
                    {
                        self.port = port
                        self.pid = pid
                        return
                    }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                lastError = RedisConnection.Failure(description: "redis-server did not answer on port \(port)")
            }
            throw lastError!
        }

        var address: RedisAddress { RedisAddress(host: "127.0.0.1", port: port) }

        func stop() {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static let limit = AIGatewayConfig.RateLimit(
        calls: 50, tokens: nil, key: .endpoint, principal: nil, renewalPeriodSeconds: 3_600)

    @Test func theBucketAdmitsTheLimitAcrossRacingReplicas() async throws {
        let server = try Server()
        defer { server.stop() }
        // Three links, as three replicas would have, each taking from eight threads at once.
        let links = (0..<3).map { FleetLink(pool: RedisPool(server.address), replica: "r\($0)") { _ in } }
        let tally = Tally()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<24 {
                group.addTask {
                    let link = links[i % 3]
                    for _ in 0..<10 {
                        switch link.admit("e", limits: [Self.limit], caller: "anyone") {
                        case .admitted: tally.add(admitted: 1)
                        case .wait(let s):
                            #expect(s > 0 && s <= 3_600 / 50 + 1)
                            tally.add(refused: 1)
                        case .unavailable: break
                        }
                    }
                }
            }
        }
        // 240 calls at a limit of 50 an hour: 50 (what refills in the seconds it took is far below one call).
        #expect(tally.counts == (50, 190))
        // A per-caller limit keeps one bucket per caller, under a hash of the caller (a token is no key in Redis).
        let perUser = AIGatewayConfig.RateLimit(
            calls: 1, tokens: nil, key: .user, principal: nil, renewalPeriodSeconds: 60)
        #expect(links[0].admit("e", limits: [perUser], caller: "secret-token-1") == .admitted)
        #expect(links[1].admit("e", limits: [perUser], caller: "secret-token-2") == .admitted)
        if case .wait = links[2].admit("e", limits: [perUser], caller: "secret-token-1") {
        } else {
            Issue.record("a second call from one caller was admitted past its limit of one")
        }
        let keys = RedisPool(server.address).with { try $0.command(["KEYS", "*"]) }
        #expect(keys?.array?.contains { $0.string?.contains("secret-token") == true } == false)
    }

    @Test func aChangePublishedByOneReplicaIsAppliedByAnother() async throws {
        let server = try Server()
        defer { server.stop() }
        let (first, second) = (ServingRegistry(factory: Recording()), ServingRegistry(factory: Recording()))
        let a = FleetLink(pool: RedisPool(server.address), replica: "a") { _ in }
        let b = FleetLink(pool: RedisPool(server.address), replica: "b") { _ in }
        defer {
            a.stop()
            b.stop()
        }
        _ = try first.create(.object(Self.payload(weights: (80, 20))))
        await a.start(first)
        await b.start(second)
        // The late replica took the fleet's endpoint on its first look.
        #expect(second.endpoint(named: "chat")?.runtime.weights.percentages == [80, 20])
        _ = try await first.updateConfig("chat", Self.split(40, 60))
        try await Self.wait { second.endpoint(named: "chat")?.runtime.weights.percentages == [40, 60] }
        // A split moved by hand on the second (its dashboard): published by its next look, applied by the first.
        second.endpoint(named: "chat")!.runtime.setWeights(Weights([25, 75])!)
        try await Self.wait { first.endpoint(named: "chat")?.runtime.weights.percentages == [25, 75] }
        _ = try await first.delete("chat")
        try await Self.wait { second.endpoint(named: "chat") == nil }

        // Redis loses everything (a restart without persistence): each replica publishes what it serves again, and
        // changes flow as before.
        _ = try first.create(.object(Self.payload(weights: (70, 30))))
        try await Self.wait { second.endpoint(named: "chat") != nil }
        _ = RedisPool(server.address).with { try $0.command(["FLUSHALL"]) }
        try await Self.wait {
            RedisPool(server.address).with { try $0.command(["HGET", "abtop:endpoints", "chat"]) }?.integer != nil
        }
        _ = try await second.updateConfig("chat", Self.split(10, 90))
        try await Self.wait { first.endpoint(named: "chat")?.runtime.weights.percentages == [10, 90] }
    }

    @Test func aBreakerOpenedOnOneReplicaCoolsTheEntityDownOnEvery() async throws {
        let server = try Server()
        defer { server.stop() }
        let registries = (0..<3).map { _ in ServingRegistry(factory: Recording()) }
        let links = (0..<3).map { FleetLink(pool: RedisPool(server.address), replica: "r\($0)") { _ in } }
        defer { for l in links { l.stop() } }
        _ = try registries[0].create(.object(Self.payload(weights: (50, 50))))
        for (link, registry) in zip(links, registries) { await link.start(registry) }
        try await Self.wait { registries.allSatisfy { $0.endpoint(named: "chat") != nil } }
        func runtime(_ i: Int) -> SplitOnly { registries[i].endpoint(named: "chat")!.runtime as! SplitOnly }
        // b's breaker opens on r1 (its own failures) for 30 s.
        _ = runtime(1).coolDown(entity: 1, seconds: 30, reason: "5 failures in a row")
        try await Self.wait { runtime(0).coolingDown[1] != nil && runtime(2).coolingDown[1] != nil }
        // Every replica cools down until the same moment (however long the fleet took to hear of it).
        let origin = try #require(runtime(1).breakers.withLock { $0[1] })
        for i in [0, 2] {
            let b = runtime(i).breakers.withLock { $0[1] }
            #expect(b?.reason == "its breaker opened on r1")
            #expect(abs((b?.until ?? 0) - origin.until) < 1.5)
            #expect(runtime(i).coolingDown[0] == nil)
        }
    }

    @Test func aKeyInPlainTextIsRefusedBeforeItReachesRedis() throws {
        let link = FleetLink(pool: RedisPool(RedisAddress(host: "127.0.0.1", port: 1)), replica: "x") { _ in }
        var payload = Self.payload(weights: (50, 50))
        #expect(throws: Never.self) { try link.check(payload) }
        payload = try JSONParser.parse(
            JSONValue.object(payload).rendered().replacingOccurrences(
                of: #""openai_api_key":"{{secrets/llm/key}}""#, with: #""openai_api_key_plaintext":"sk-live-123""#)
        ).objectValue!
        do {
            try link.check(payload)
            Issue.record("a plaintext key was accepted for the fleet")
        } catch {
            #expect(
                error.message.contains(
                    "config.served_entities[0].external_model.openai_config.openai_api_key_plaintext"))
            #expect(!error.message.contains("sk-live-123"))
        }
    }

    @Test func redisAddressesAreReadAndTheirPasswordsKeptOutOfMessages() throws {
        let a = try RedisAddress.parse("redis://:s3cret@cache.internal:6380/2").get()
        #expect(a.host == "cache.internal" && a.port == 6380 && a.database == 2 && a.password == "s3cret")
        #expect(!a.description.contains("s3cret"))
        #expect(try RedisAddress.parse("redis://127.0.0.1").get().port == 6379)
        for bad in ["http://x", "redis://", "redis://h:0", "redis://h/99", "redis://h/x"] {
            guard case .failure = RedisAddress.parse(bad) else {
                Issue.record("\(bad) was read as a Redis address")
                continue
            }
        }
    }

    // MARK: - Helpers

    final class Tally: Sendable {
        private let state = Mutex<(admitted: Int, refused: Int)>((0, 0))
        func add(admitted: Int = 0, refused: Int = 0) {
            state.withLock {
                $0.admitted += admitted
                $0.refused += refused
            }
        }
        var counts: (Int, Int) { state.withLock { ($0.admitted, $0.refused) } }
    }

    /// Runtimes that hold only a split: the registry and the fleet's state, without an engine.
    final class Recording: EndpointRuntimeFactory {
        func make(config: EndpointConfig, configText: String, metrics: EndpointMetrics) throws -> any EndpointRuntime {
            SplitOnly(config.weights)
        }
    }

    final class SplitOnly: EndpointRuntime {
        private let split: Mutex<Weights>
        /// Each entity's breaker: when its cooldown ends (seconds since 1970), and why it started.
        let breakers = Mutex<[Int: (until: Double, reason: String)]>([:])
        init(_ w: Weights) { split = Mutex(w) }
        var coolingDown: [Double?] {
            let now = Date().timeIntervalSince1970
            return breakers.withLock { b in (0..<2).map { b[$0].flatMap { $0.until > now ? $0.until - now : nil } } }
        }
        func coolDown(entity: Int, seconds: Double, reason: String) -> Bool {
            breakers.withLock { $0[entity] = (Date().timeIntervalSince1970 + seconds, reason) }
            return true
        }
        var weights: Weights { split.withLock { $0 } }
        func setWeights(_ weights: Weights) { split.withLock { $0 = weights } }
        func setFallback(_ enabled: Bool) {}
        func invoke(_ invocation: Invocation) -> InvocationEvents { InvocationEvents() }
        func call(_ invocation: Invocation) async -> InvocationResult { InvocationResult(entity: nil) }
        func close() async {}
    }

    static func payload(weights: (Int, Int)) -> JSONObject {
        try! JSONParser.parse(
            """
            {"name": "chat", "config": {
              "served_entities": [
                {"name": "a", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
                  "openai_config": {"openai_api_key": "{{secrets/llm/key}}"}}},
                {"name": "b", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat",
                  "openai_config": {"openai_api_key": "{{secrets/llm/key}}"}}}],
              "traffic_config": {"routes": [
                {"served_model_name": "a", "traffic_percentage": \(weights.0)},
                {"served_model_name": "b", "traffic_percentage": \(weights.1)}]}}}
            """
        ).objectValue!
    }

    static func split(_ a: Int, _ b: Int) -> JSONValue {
        try! JSONParser.parse(
            #"{"traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": \#(a)}, "#
                + #"{"served_model_name": "b", "traffic_percentage": \#(b)}]}}"#)
    }

    /// Waits for `condition` (looks every 200 ms, so a change takes a few; generous for a busy machine).
    static func wait(_ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(30)
        while !condition() {
            guard Date() < deadline else {
                Issue.record("the fleet did not converge within 30 s")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
