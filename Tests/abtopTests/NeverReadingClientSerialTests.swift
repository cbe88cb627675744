import ABCore
import ABEngine
import ABServer
import Foundation
import Glibc
import TestSupport
import Testing

@testable import abtop

/// Issue 23, item 3: clients that send a streamed request to a provider that drips one-character deltas forever
/// (each ~200 bytes once framed as SSE) and never read. Old serve kept
/// all four connections (and every other client out) for minutes and grew past 580 MB in 30 s. Serial: it
/// measures the process's resident memory.
@Suite(.serialized, .timeLimit(.minutes(3))) struct NeverReadingClientSerialTests {
    static func residentMB() -> Double {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "0 0"
        let pages = Double(statm.split(separator: " ")[1]) ?? 0
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    @Test func clientsThatNeverReadAreClosedTheirRequestsCancelledAndMemoryBounded() async throws {
        let hostile = try HostileProvider()
        let transport = CurlTransport()
        let factory = ServeRuntimeFactory(
            simulated: nil, resolver: SecretResolver(environment: [:]), journal: nil, transport: transport, seed: 3)
        let registry = ServingRegistry(factory: factory)
        let limits = HTTPLimits(maxConnections: 4, idleTimeout: 2, bodyTimeout: 2, writeTimeout: 2)
        let server = try await ServingServer.start(.init(port: 0, limits: limits), registry: registry)
        _ = try registry.create(
            JSONParser.parse(
                """
                {"name": "endless", "config": {"served_entities": [
                   {"name": "one", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
                     "openai_config": {"openai_api_key_plaintext": "sk-never-read-0123456789abcdef"}}}]},
                 "abtop": {"entities": {"one": {"base_url": "\(hostile.baseURL("drip"))"}}, "retries": {"max": 0}}}
                """))
        let before = Self.residentMB()
        let body = #"{"messages": [{"role": "user", "content": "go on forever"}], "stream": true}"#
        var held: [Int32] = []
        for _ in 0..<4 {
            let fd = try #require(RawHTTP.connectLoopback(server.port, receiveBuffer: 4096))
            let request =
                "POST /serving-endpoints/endless/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            _ = request.withCString { send(fd, $0, strlen($0), 0) }
            held.append(fd)
        }
        defer { for fd in held { close(fd) } }
        // Every slot is held by a client that does not read; a fifth request waits for one of them to be closed
        // (waited on as a condition, with the suite's time limit as the bound).
        let health = await RawHTTP.send("GET", port: server.port, path: "/health")
        #expect(health.status == 200)
        // The provider stops sending once every request was cancelled: its byte count stops moving.
        var last = -1
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            let now = hostile.bytesSent("drip")
            if now == last { break }
            last = now
            try await Task.sleep(for: .seconds(5))
        }
        #expect(hostile.bytesSent("drip") == last, "the provider is still sending: requests were not cancelled")
        let grown = Self.residentMB() - before
        #expect(grown < 200, "serve grew \(grown) MB for four clients that never read")
        // Each held connection was closed by serve: reading it ends.
        let sockets = held
        let ends = await withCheckedContinuation { continuation in
            Thread {
                var ended = 0
                for fd in sockets {
                    var timeout = timeval(tv_sec: 60, tv_usec: 0)
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                    var buffer = [UInt8](repeating: 0, count: 1 << 16)
                    var n = 1
                    while n > 0 { n = recv(fd, &buffer, buffer.count, 0) }
                    if n == 0 || errno == ECONNRESET { ended += 1 }
                }
                continuation.resume(returning: ended)
            }.start()
        }
        #expect(ends == 4)
        await server.stop()
        await registry.closeAll()
        transport.shutdown()
        hostile.stop()
    }
}
