import Foundation
import Testing

/// A tmux session running the real binary in a real terminal: keys in with send-keys, the screen out with
/// capture-pane.
struct TmuxSession {
    let name = "abtop-e2e-\(UUID().uuidString.prefix(8))"

    /// Runs tmux with posix_spawn and waitpid (Foundation's `Process` can miss the exit of a tmux client that
    /// started a server); capture-pane's output goes through a file, since a tmux server keeps its stdout open.
    @discardableResult
    func run(_ args: String...) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: file) }
        let out = args.first == "capture-pane" || args.first == "list-panes" ? file.path : "/dev/null"
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

    /// Ends the session and everything its pane started: a program that survives the hang-up (a dashboard stuck
    /// in a frame) must not outlive its test and slow every test after it. A pane's shell leads its own process
    /// group, so the group is killed whole.
    func close() {
        let pids = ((try? run("list-panes", "-t", name, "-F", "#{pane_pid}")) ?? "").split(separator: "\n")
        for pid in pids.compactMap({ pid_t($0.trimmingCharacters(in: .whitespaces)) }) where pid > 1 {
            kill(-pid, SIGKILL)
        }
        _ = try? run("kill-session", "-t", name)
    }

    func screen() throws -> String { try run("capture-pane", "-t", name, "-p") }

    /// The screen with up to `lines` of the pane's scrollback above it (what a long summary pushed off the top).
    func history(lines: Int = 500) throws -> String { try run("capture-pane", "-t", name, "-p", "-S", "-\(lines)") }

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

    /// Polls the screen every 20 ms (for timing what the user sees) until `condition` holds or `seconds` pass.
    func poll(_ seconds: Double, _ condition: (String) -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(try screen()) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Sends `key` and waits for `condition`; sends it again (up to `attempts` times) if the screen has not
    /// changed as asked: on a machine busy with other work a frame can take seconds, and a key can land while
    /// the pane has nothing to act on yet (no complete pair to vote on).
    func press(
        _ key: String, until what: String, attempts: Int = 4, each seconds: Double = 20,
        _ condition: (String) -> Bool
    ) async throws -> String {
        var last = ""
        for attempt in 1...attempts {
            try run("send-keys", "-t", name, key)
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                last = try screen()
                if condition(last) { return last }
                try await Task.sleep(for: .milliseconds(250))
            }
            if attempt == attempts { break }
        }
        Issue.record("timed out waiting for \(what) after \(attempts) presses of \(key); screen:\n\(last)")
        return last
    }

    /// The routes row of an entity.
    static func row(_ screen: String, _ name: String) -> String {
        screen.split(separator: "\n").first { $0.contains(name) && $0.contains("%") }.map(String.init) ?? ""
    }
}
