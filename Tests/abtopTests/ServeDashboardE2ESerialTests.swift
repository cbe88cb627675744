import ABCore
import Foundation
import TestSupport
import Testing

/// `abtop serve --simulate` with its dashboard, in a real terminal, while real HTTP clients use it: the sliders
/// move the live split (GET shows it), a PUT …/config moves the sliders, `n` switches endpoints.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ServeDashboardE2ESerialTests {
    let tmux = TmuxSession()

    func routes(_ port: Int) async -> [Int] {
        let r = await RawHTTP.send("GET", port: port, path: "/api/2.0/serving-endpoints/mix-chat-endpoint")
        let list =
            (try? JSONParser.parse(r.text))?[key: "config"]?[key: "traffic_config"]?[key: "routes"]?.arrayValue ?? []
        return list.compactMap { $0[key: "traffic_percentage"]?.intValue }
    }

    /// The header's "N done".
    static func done(_ screen: String) -> Int {
        guard let header = screen.split(separator: "\n").first, let range = header.range(of: " done") else { return 0 }
        return Int(header[..<range.lowerBound].split(separator: " ").last ?? "") ?? 0
    }

    @Test func slidersAndTheAPIMoveTheSameSplit() async throws {
        let port = RawHTTP.freePort()
        let config = AbtopBinary.packageRoot.appendingPathComponent("examples/mix-chat-endpoint.json").path
        let command =
            "\(AbtopBinary.url.path) serve \(config) --simulate --profile fast --port \(port) --seed 5 --no-store; echo EXIT=$?; sleep 60"
        try tmux.run("new-session", "-d", "-s", tmux.name, "-x", "120", "-y", "40", "-e", "LANG=C.UTF-8", command)
        defer { tmux.close() }
        var s = try await tmux.wait(30, for: "the endpoint") {
            $0.contains("mix-chat-endpoint") && $0.contains("· 50/50")
        }

        // Clients send traffic the whole time.
        let traffic = Task {
            var n = 0
            while !Task.isCancelled {
                _ = await RawHTTP.post(
                    port: port, path: "/serving-endpoints/mix-chat-endpoint/invocations", headers: [:],
                    body: #"{"messages": [{"role": "user", "content": "q\#(n)"}], "max_tokens": 8}"#)
                n += 1
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        defer { traffic.cancel() }
        s = try await tmux.wait(30, for: "served requests on both entities") { s in
            let a = TmuxSession.row(s, "served_model_name_1")
            let b = TmuxSession.row(s, "served_model_name_2")
            return Self.done(s) >= 20 && a.contains("0.0%") && b.contains("0.0%")
        }

        // The slider: → five times is 55/45, and GET says so.
        for _ in 0..<5 { try tmux.run("send-keys", "-t", tmux.name, "Right") }
        s = try await tmux.wait(30, for: "55/45 on screen") { $0.contains("· 55/45") }
        #expect(await routes(port) == [55, 45])

        // The API: PUT …/config 80/20 moves the sliders.
        let put = await RawHTTP.send(
            "PUT", port: port, path: "/api/2.0/serving-endpoints/mix-chat-endpoint/config",
            body:
                #"{"traffic_config": {"routes": [{"served_model_name": "served_model_name_1", "traffic_percentage": 80}, {"served_model_name": "served_model_name_2", "traffic_percentage": 20}]}}"#
        )
        #expect(put.status == 200)
        s = try await tmux.wait(30, for: "80/20 on screen") { $0.contains("· 80/20") }
        #expect(TmuxSession.row(s, "served_model_name_1").contains(" 80% "))

        // A second endpoint; n shows it.
        let second = try String(contentsOf: URL(fileURLWithPath: config), encoding: .utf8)
            .replacingOccurrences(of: "\"mix-chat-endpoint\"", with: "\"second-endpoint\"")
        #expect(
            await RawHTTP.post(port: port, path: "/api/2.0/serving-endpoints", headers: [:], body: second).status == 200
        )
        s = try await tmux.wait(30, for: "two endpoints") { $0.contains("[1/2, n: next]") }
        try tmux.run("send-keys", "-t", tmux.name, "n")
        s = try await tmux.wait(30, for: "the second endpoint") {
            $0.contains("second-endpoint") && $0.contains("[2/2, n: next]")
        }

        traffic.cancel()
        try tmux.run("send-keys", "-t", tmux.name, "q")
        s = try await tmux.wait(30, for: "exit") { $0.contains("EXIT=") }
        #expect(s.contains("EXIT=0"))
        #expect(
            try tmux.history().contains("Is the difference real?"),
            "each endpoint's summary is printed after the dashboard closes")
    }
}
