import ABReport
import ABStore
import Foundation
import Testing

/// The real binary in a real terminal: `abtop demo` under tmux, driven with send-keys and read with capture-pane.
/// Run on its own by `make test` (suites named `…SerialTests`), since it watches live timing.
@Suite(.serialized, .timeLimit(.minutes(8))) struct DashboardE2ESerialTests {
    let tmux = TmuxSession()

    /// The SEEN column of an entity's routes row, as a fraction.
    func seen(_ row: String) -> Double? {
        let cells = row.split(separator: " ").filter { $0.hasSuffix("%") }
        guard cells.count >= 2, let v = Double(cells[1].dropLast()) else { return nil }
        return v / 100
    }

    /// The prompt of the compare pane's pair, as the screen shows it (the line under the pane's title).
    func pairPrompt(_ screen: String) -> String? {
        let lines = screen.split(separator: "\n").map(String.init)
        guard let title = lines.firstIndex(where: { $0.contains("compare · blind") }), title + 1 < lines.count,
            let start = lines[title + 1].range(of: "│› ")
        else { return nil }
        return String(lines[title + 1][start.upperBound...].prefix(40)).trimmingCharacters(in: .whitespaces)
    }

    func waiting(_ screen: String) -> Int {
        guard let r = screen.range(of: #"(\d+) waiting"#, options: .regularExpression) else { return 0 }
        return Int(screen[r].split(separator: " ")[0]) ?? 0
    }

    @Test func demoEndToEnd() async throws {
        let store = AbtopBinary.scratch.appendingPathComponent("e2e-\(UUID().uuidString).sqlite").path
        let command =
            "\(AbtopBinary.url.path) demo --rate 10 --seed 11 --store \(store); echo EXIT=$?; stty -a | tr ';' '\\n' | grep -wE 'icanon|echo' | tr '\\n' ' '; echo; sleep 60"
        try tmux.run("new-session", "-d", "-s", tmux.name, "-x", "120", "-y", "40", "-e", "LANG=C.UTF-8", command)
        defer { tmux.close() }

        // Both entities with live numbers within a few seconds.
        var s = try await tmux.wait(60, for: "both entities with requests") { s in
            let quick = TmuxSession.row(s, "quick-gpt")
            let careful = TmuxSession.row(s, "careful-claude")
            return !quick.isEmpty && !careful.isEmpty && !quick.contains(" — ") && !careful.contains(" — ")
        }
        #expect(s.contains("demo-chat-endpoint") && s.contains("routes · split epoch 0 · 50/50"))

        // → five times: 50/50 becomes 55/45, and the observed share follows.
        for _ in 0..<5 { try tmux.run("send-keys", "-t", tmux.name, "Right") }
        s = try await tmux.wait(30, for: "55/45") { $0.contains("· 55/45") }
        #expect(
            TmuxSession.row(s, "quick-gpt").contains(" 55% ") && TmuxSession.row(s, "careful-claude").contains(" 45% "))
        s = try await tmux.wait(60, for: "the observed share to follow") { screen in
            guard let share = seen(TmuxSession.row(screen, "quick-gpt")) else { return false }
            return abs(share - 0.55) < 0.12 && screen.contains("done")
        }

        // The mouse (SGR reports, typed into the pane as a terminal sends them): a click on careful-claude's row
        // selects it; a click near the start of its slider sets its share low, applied once the slider rests.
        let screenLines = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let row = try #require(screenLines.firstIndex { $0.contains("careful-claude") && $0.contains("%") })
        try tmux.run("send-keys", "-t", tmux.name, "-l", "\u{1B}[<0;6;\(row + 1)M")
        s = try await tmux.wait(30, for: "a click selects the row") { $0.contains("▶ careful-claude") }
        let bar = try #require(screenLines[row].firstIndex { $0 == "█" || $0 == "░" || $0 == "┃" })
        let column = screenLines[row].distance(from: screenLines[row].startIndex, to: bar) + 1
        try tmux.run("send-keys", "-t", tmux.name, "-l", "\u{1B}[<0;\(column + 1);\(row + 1)M")
        s = try await tmux.wait(30, for: "the click's split") { screen in
            guard
                let tgt = TmuxSession.row(screen, "careful-claude").split(separator: " ").first(where: {
                    $0.hasSuffix("%") && Int($0.dropLast()) != nil
                })
            else { return false }
            return Int(tgt.dropLast())! <= 15 && screen.contains("routes · split epoch")
                && !screen.contains("when the slider rests")
        }

        // c: two outputs side by side, blind (no latency or tokens before the vote); the pair stays while newer
        // ones queue; the vote is recorded for the pair that was on screen.
        try tmux.run("send-keys", "-t", tmux.name, "c")
        s = try await tmux.wait(60, for: "a blind comparison") {
            $0.contains("compare · blind · A vs B") && self.pairPrompt($0) != nil
        }
        #expect(!s.contains("│A ·"), "nothing that tells the arms apart before the vote")
        let prompt = try #require(pairPrompt(s))
        s = try await tmux.wait(60, for: "newer pairs waiting") { self.waiting($0) >= 2 }
        #expect(pairPrompt(s) == prompt, "the pair on screen stayed while newer ones arrived")
        s = try await tmux.press("1", until: "a vote counted") {
            $0.contains("vote counted: A better") || $0.contains("votes (")
        }
        s = try await tmux.wait(30, for: "the tally") { $0.contains("votes (") }

        // ? shows the help, generated from the keymap; the key that closes it (q here) does nothing else, and Esc
        // never quits.
        s = try await tmux.press("?", until: "help") {
            $0.contains("keys (any key closes)") && $0.contains("vote: both bad")
        }
        try tmux.run("send-keys", "-t", tmux.name, "q")
        s = try await tmux.wait(30, for: "the help closed") { !$0.contains("keys (any key closes)") }
        try tmux.run("send-keys", "-t", tmux.name, "Escape")
        try await Task.sleep(for: .seconds(2))
        s = try await tmux.wait(30, for: "the dashboard still running") {
            $0.contains("╭─ routes") && !$0.contains("EXIT=")
        }

        // Resizing to 80×24 keeps the layout.
        try tmux.run("resize-window", "-t", tmux.name, "-x", "80", "-y", "24")
        s = try await tmux.wait(30, for: "the 80×24 layout") {
            $0.split(separator: "\n", omittingEmptySubsequences: false).count <= 25 && $0.contains("╭─ routes")
                && $0.contains("╭─ events")
        }
        let lines = s.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 80 })
        #expect(lines.first?.hasPrefix(" abtop ") == true && s.contains("╭─ events"))
        // Every verdict line at 80 columns shows its state in words, and a cut line ends in …
        let verdictLines = lines.filter { $0.hasPrefix(" ● ") || $0.hasPrefix(" ○ ") || $0.hasPrefix(" ≈ ") }
        #expect(!verdictLines.isEmpty, "\(s)")
        for line in verdictLines {
            #expect(
                line.contains("decided:") || line.contains("not yet:") || line.contains("the same:"), "\(line)")
            if line.count >= 79 { #expect(line.trimmingCharacters(in: .whitespaces).hasSuffix("…"), "\(line)") }
        }

        // q exits 0 and leaves the terminal sane.
        try tmux.run("send-keys", "-t", tmux.name, "q")
        s = try await tmux.wait(90, for: "exit") { $0.contains("EXIT=") && $0.contains("icanon") }
        #expect(s.contains("EXIT=0"))
        let journal = try Journal(path: store)
        let last = try #require(try journal.lastSessionID())
        let stored = try #require(try journal.session(last))
        let vote = try #require(stored.votes.first)
        let group = stored.records.filter { $0.group != nil && $0.group == vote.group }
        #expect(Set(group.map(\.outcome.entity)) == [vote.a, vote.b], "the vote names the pair's two entities")
        #expect(group.first.map { $0.prompt.hasPrefix(prompt) } == true, "the vote is for the prompt that was shown")
        #expect(s.contains("icanon") && !s.contains("-icanon") && s.contains(" echo") && !s.contains("-echo "))
        // The summary may be longer than the pane: read it with the scrollback.
        #expect(
            try tmux.history().contains("Is the difference real?"), "the summary is printed after the dashboard closes")
    }

    /// The dashboard never makes you wait, measured in the debug build under the demo's own load: five `→` typed
    /// at once show on screen within a second; `q` ends the process within a second; killing the tmux session (the
    /// terminal gone, SIGHUP) ends it within two.
    @Test func keysShowAtOnceAndTheProcessEndsWithItsTerminal() async throws {
        for ending in ["q", "kill-session"] {
            let tmux = TmuxSession()
            // exec: the pane's process is abtop itself, so its pid is the pane's. SIGHUP ignored, as some CI runners
            // and nohup leave it (inherited through exec): the hang-up must end abtop all the same.
            try tmux.run(
                "new-session", "-d", "-s", tmux.name, "-x", "120", "-y", "40", "-e", "LANG=C.UTF-8",
                "trap '' HUP; exec \(AbtopBinary.url.path) demo --seed 5 --no-store")
            defer { tmux.close() }
            let pid = try #require(
                pid_t(
                    try tmux.run("list-panes", "-t", tmux.name, "-F", "#{pane_pid}")
                        .trimmingCharacters(in: .whitespacesAndNewlines)))
            _ = try await tmux.wait(60, for: "both entities with requests") { s in
                let quick = TmuxSession.row(s, "quick-gpt")
                let careful = TmuxSession.row(s, "careful-claude")
                return !quick.isEmpty && !careful.isEmpty && !quick.contains(" — ") && !careful.contains(" — ")
            }
            let typed = Date()
            try tmux.run("send-keys", "-t", tmux.name, "Right", "Right", "Right", "Right", "Right")
            let shown = try await tmux.poll(10) { $0.contains("· 55/45") }
            let seconds = Date().timeIntervalSince(typed)
            #expect(shown && seconds < 1, "five → shown after \(seconds) s")
            print("dashboard timing: five → shown after \(Format.fixed(seconds, 3)) s")

            let asked = Date()
            if ending == "q" {
                try tmux.run("send-keys", "-t", tmux.name, "q")
            } else {
                try tmux.run("kill-session", "-t", tmux.name)
            }
            while Self.isRunning(pid) && Date().timeIntervalSince(asked) < 20 {
                try await Task.sleep(for: .milliseconds(20))
            }
            let ended = Date().timeIntervalSince(asked)
            let limit = ending == "q" ? 1.0 : 2.0
            #expect(!Self.isRunning(pid) && ended < limit, "\(ending): abtop ended after \(ended) s (limit \(limit) s)")
            print("dashboard timing: \(ending) ended abtop after \(Format.fixed(ended, 3)) s")
            if Self.isRunning(pid) { kill(pid, SIGKILL) }
        }
    }

    /// Whether `pid` still runs: a zombie has ended (tmux, its parent, may take a second to reap it).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return !status.contains("State:\tZ")
    }
}
