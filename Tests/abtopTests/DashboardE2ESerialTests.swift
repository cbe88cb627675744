import Foundation
import Testing

/// The real binary in a real terminal: `abtop demo` under tmux, driven with send-keys and read with capture-pane.
/// Run on its own by `make test` (suites named `…SerialTests`), since it watches live timing.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DashboardE2ESerialTests {
    let session = "abtop-e2e-\(UUID().uuidString.prefix(8))"

    /// Runs tmux with posix_spawn and waitpid (Foundation's `Process` can miss the exit of a tmux client that
    /// started a server); capture-pane's output goes through a file, since a tmux server keeps its stdout open.
    @discardableResult
    func tmux(_ args: String...) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(session)-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: file) }
        let out = args.first == "capture-pane" ? file.path : "/dev/null"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["tmux"] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, "tmux", &actions, nil, argv, environ) == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }

    func screen() throws -> String { try tmux("capture-pane", "-t", session, "-p") }

    /// Polls the screen until `condition` holds or `seconds` pass; returns the last screen.
    func wait(_ seconds: Double, for what: String, _ condition: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("timed out waiting for \(what); screen:\n\(last)")
        return last
    }

    func row(_ screen: String, _ name: String) -> String {
        screen.split(separator: "\n").first { $0.contains(name) && $0.contains("%") }.map(String.init) ?? ""
    }

    /// The SEEN column of an entity's routes row, as a fraction.
    func seen(_ row: String) -> Double? {
        let cells = row.split(separator: " ").filter { $0.hasSuffix("%") }
        guard cells.count >= 2, let v = Double(cells[1].dropLast()) else { return nil }
        return v / 100
    }

    @Test func demoEndToEnd() async throws {
        let command = "\(AbtopBinary.url.path) demo --rate 30 --seed 11 --no-store; echo EXIT=$?; stty -a | tr ';' '\\n' | grep -wE 'icanon|echo' | tr '\\n' ' '; echo; sleep 60"
        try tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", "-e", "LANG=C.UTF-8", command)
        defer { _ = try? tmux("kill-session", "-t", session) }

        // Both entities with live numbers within a few seconds.
        var s = try await wait(15, for: "both entities with requests") { s in
            let quick = row(s, "quick-gpt"), careful = row(s, "careful-claude")
            return !quick.isEmpty && !careful.isEmpty && !quick.contains(" — ") && !careful.contains(" — ")
        }
        #expect(s.contains("demo-chat-endpoint") && s.contains("routes · split epoch 0 · 50/50"))

        // → five times: 50/50 becomes 55/45, and the observed share follows.
        for _ in 0..<5 { try tmux("send-keys", "-t", session, "Right") }
        s = try await wait(5, for: "55/45") { $0.contains("· 55/45") }
        #expect(row(s, "quick-gpt").contains(" 55% ") && row(s, "careful-claude").contains(" 45% "))
        s = try await wait(25, for: "the observed share to follow") { screen in
            guard let share = seen(row(screen, "quick-gpt")) else { return false }
            return abs(share - 0.55) < 0.12 && screen.contains("done")
        }

        // c: two outputs side by side, blind; a vote is counted.
        try tmux("send-keys", "-t", session, "c")
        s = try await wait(25, for: "a blind comparison") { $0.contains("compare · blind") && $0.contains("│A ·") && $0.contains("B ·") }
        try tmux("send-keys", "-t", session, "1")
        s = try await wait(5, for: "the vote") { $0.contains("vote counted: A better") }
        s = try await wait(5, for: "the tally") { $0.contains("votes (1):") }

        // ? shows the help, generated from the keymap.
        try tmux("send-keys", "-t", session, "?")
        s = try await wait(5, for: "help") { $0.contains("keys (any key closes)") && $0.contains("vote: both bad") }
        try tmux("send-keys", "-t", session, "x")

        // Resizing to 80×24 keeps the layout.
        try tmux("resize-window", "-t", session, "-x", "80", "-y", "24")
        s = try await wait(5, for: "the 80×24 layout") { $0.split(separator: "\n", omittingEmptySubsequences: false).count <= 25 && $0.contains("╭─ routes") && $0.contains("╭─ events") }
        let lines = s.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 80 })
        #expect(lines.first?.hasPrefix(" abtop ") == true && s.contains("╭─ events"))

        // q exits 0 and leaves the terminal sane.
        try tmux("send-keys", "-t", session, "q")
        s = try await wait(10, for: "exit") { $0.contains("EXIT=") && $0.contains("icanon") }
        #expect(s.contains("EXIT=0"))
        #expect(s.contains("icanon") && !s.contains("-icanon") && s.contains(" echo") && !s.contains("-echo "))
        #expect(s.contains("Is the difference real?"), "the summary is printed after the dashboard closes")
    }
}
