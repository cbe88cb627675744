import ABCore
import ABServer
import ArgumentParser
import Foundation

/// `abtop mock-server`: simulated OpenAI and Anthropic providers on loopback, for rehearsing a split before
/// spending money and for seeing how a setup behaves under faults.
struct MockServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-server",
        abstract: "Serve simulated OpenAI (/v1/chat/completions) and Anthropic (/v1/messages) models.",
        discussion: """
            Built-in profiles: \(MockProfile.builtIns.map(\.name).joined(separator: ", ")).

            A profile FILE is JSON: one profile for every model, or \
            {"profiles": [{"match": "gpt-4*", ...}], "default": ...}.

            Profile keys: ttft_ms, tokens_per_s, output_tokens (a number, or {"median", "p99"}), errors \
            ({"429": p, "500": p, "503": p, "529": p}), retry_after_s, faults ({"cutoff", "disconnect", \
            "malformed", "stall"}: p), stall_s, style (plain | concise | thorough | echo: the prompt repeated), profile (a built-in to start from).
            """
    )

    @Option(help: "The address to bind (loopback unless told otherwise).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port = 9000

    @Option(help: "A built-in profile's name, or a profile JSON file (default: a realistic, fault-free profile).")
    var profile: String?

    @Option(help: "Seed: the same seed and requests give the same answers and timings.")
    var seed: UInt64 = 0

    @Flag(help: .hidden)
    var exitWithParent = false

    func run() async throws {
        // A test harness that dies without stopping its mock (a crash) takes the mock with it: once the parent is
        // gone the process is re-parented, and a once-a-second check sees it.
        if exitWithParent {
            let parent = getppid()
            Thread.detachNewThread {
                while getppid() == parent { sleep(1) }
                Foundation.exit(0)
            }
        }
        let profiles = try Self.loadProfiles(profile)
        let config = MockServer.Configuration(host: host, port: port, profiles: profiles, seed: seed)
        let host = self.host
        let described = profile ?? "default"
        try await MockServer.run(config) { port in
            Console.out(
                """
                abtop mock-server listening on http://\(host):\(port) (profile \(described))
                  OpenAI:    OPENAI_BASE_URL=http://\(host):\(port)/v1      POST /v1/chat/completions
                  Anthropic: ANTHROPIC_BASE_URL=http://\(host):\(port)      POST /v1/messages
                """)
        }
    }

    /// `--profile`: a built-in profile's name or a profile JSON file; nil is the default profile.
    static func loadProfiles(_ profile: String?) throws -> MockProfileSet {
        guard let profile else { return MockProfileSet() }
        if let builtIn = MockProfile.builtIn(named: profile) { return MockProfileSet(fallback: builtIn) }
        guard FileManager.default.fileExists(atPath: profile),
            let data = FileManager.default.contents(atPath: profile)
        else {
            let builtIns = MockProfile.builtIns.map(\.name).joined(separator: ", ")
            Console.err("error: --profile \(profile): neither a built-in profile (\(builtIns)) nor a readable file")
            throw ExitCode(1)
        }
        switch MockProfileSet.parse(String(decoding: data, as: UTF8.self)) {
        case .success(let set): return set
        case .failure(let issues):
            Console.err(issues.description.split(separator: "\n").map { "\(profile): \($0)" }.joined(separator: "\n"))
            throw ExitCode(1)
        }
    }
}
