import Foundation
import Testing

/// The real binary in a real terminal: `abtop demo` under tmux, driven with send-keys and read with capture-pane.
/// Run on its own by `make test` (suites named `…SerialTests`), since it watches live timing.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DashboardE2ESerialTests {
    let tmux = TmuxSession()
    var session: String { tmux.name }
    func screen() throws -> String { try tmux.screen() }
    func wait(_ seconds: Double, for what: String, _ condition: (String) -> Bool) async throws -> String {
        try await tmux.wait(seconds, for: what, condition)
    }
    func row(_ screen: String, _ name: String) -> String { TmuxSession.row(screen, name) }

    /// The SEEN column of an entity's routes row, as a fraction.
    func seen(_ row: String) -> Double? {
        let cells = row.split(separator: " ").filter { $0.hasSuffix("%") }
        guard cells.count >= 2, let v = Double(cells[1].dropLast()) else { return nil }
        return v / 100
    }

    @Test func demoEndToEnd() async throws {
        let command = "\(AbtopBinary.url.path) demo --rate 30 --seed 11 --no-store; echo EXIT=$?; stty -a | tr ';' '\\n' | grep -wE 'icanon|echo' | tr '\\n' ' '; echo; sleep 60"
        try tmux.run("new-session", "-d", "-s", session, "-x", "120", "-y", "40", "-e", "LANG=C.UTF-8", command)
        defer { _ = try? tmux.run("kill-session", "-t", session) }

        // Both entities with live numbers within a few seconds.
        var s = try await wait(15, for: "both entities with requests") { s in
            let quick = row(s, "quick-gpt"), careful = row(s, "careful-claude")
            return !quick.isEmpty && !careful.isEmpty && !quick.contains(" — ") && !careful.contains(" — ")
        }
        #expect(s.contains("demo-chat-endpoint") && s.contains("routes · split epoch 0 · 50/50"))

        // → five times: 50/50 becomes 55/45, and the observed share follows.
        for _ in 0..<5 { try tmux.run("send-keys", "-t", session, "Right") }
        s = try await wait(5, for: "55/45") { $0.contains("· 55/45") }
        #expect(row(s, "quick-gpt").contains(" 55% ") && row(s, "careful-claude").contains(" 45% "))
        s = try await wait(25, for: "the observed share to follow") { screen in
            guard let share = seen(row(screen, "quick-gpt")) else { return false }
            return abs(share - 0.55) < 0.12 && screen.contains("done")
        }

        // c: two outputs side by side, blind; a vote is counted.
        try tmux.run("send-keys", "-t", session, "c")
        s = try await wait(25, for: "a blind comparison") { $0.contains("compare · blind") && $0.contains("│A ·") && $0.contains("B ·") }
        try tmux.run("send-keys", "-t", session, "1")
        s = try await wait(5, for: "the vote") { $0.contains("vote counted: A better") }
        s = try await wait(5, for: "the tally") { $0.contains("votes (1):") }

        // ? shows the help, generated from the keymap.
        try tmux.run("send-keys", "-t", session, "?")
        s = try await wait(5, for: "help") { $0.contains("keys (any key closes)") && $0.contains("vote: both bad") }
        try tmux.run("send-keys", "-t", session, "x")

        // Resizing to 80×24 keeps the layout.
        try tmux.run("resize-window", "-t", session, "-x", "80", "-y", "24")
        s = try await wait(5, for: "the 80×24 layout") { $0.split(separator: "\n", omittingEmptySubsequences: false).count <= 25 && $0.contains("╭─ routes") && $0.contains("╭─ events") }
        let lines = s.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 80 })
        #expect(lines.first?.hasPrefix(" abtop ") == true && s.contains("╭─ events"))

        // q exits 0 and leaves the terminal sane.
        try tmux.run("send-keys", "-t", session, "q")
        s = try await wait(10, for: "exit") { $0.contains("EXIT=") && $0.contains("icanon") }
        #expect(s.contains("EXIT=0"))
        #expect(s.contains("icanon") && !s.contains("-icanon") && s.contains(" echo") && !s.contains("-echo "))
        #expect(s.contains("Is the difference real?"), "the summary is printed after the dashboard closes")
    }
}
