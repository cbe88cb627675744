import ABCore
import Foundation

/// The dashboard loop (oha's monitor): each frame takes the model's frame, renders it, draws the changes, then
/// waits for keys until the next frame is due. Runs on a thread of its own, since reading keys blocks.
///
/// It never makes you wait: every key already typed is handled before the next frame is drawn (five `→` are one
/// redraw, not five frames), the model's frame must be cheap (analysis runs elsewhere and hands over a finished
/// result), and a hang-up ends the loop like SIGTERM does.
public enum Dashboard {
    public struct Options: Sendable {
        public var fps: Int
        public var themes: [Theme]
        public var themeIndex: Int

        public init(fps: Int = 10, themes: [Theme] = [.standard], themeIndex: Int = 0) {
            self.fps = fps
            self.themes = themes.isEmpty ? [.standard] : themes
            self.themeIndex = themeIndex
        }
    }

    /// The most keys handled between two frames (a key held down still shows its effect now and then).
    static let keysPerFrame = 256

    /// Why the dashboard cannot run here, or nil: drawn into a pipe (`abtop demo | head`) the screen is noise and
    /// no key could ever quit it, so the commands refuse before they start anything.
    public static var terminalProblem: String? {
        let out = isatty(STDOUT_FILENO) != 0
        guard !out || isatty(STDIN_FILENO) == 0 else { return nil }
        return "the dashboard needs a terminal, and \(out ? "stdin" : "stdout") is not one: "
            + "add --headless to print progress lines instead"
    }

    /// Runs until `q`, SIGINT, SIGTERM or a hang-up; returns with the terminal restored.
    public static func run(model: any DashboardModel, options: Options) async {
        if let problem = terminalProblem {
            FileHandle.standardError.write(Data("abtop: \(problem)\n".utf8))
            return
        }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let started = DetachedThread.start(name: "abtop-dashboard") {
                loop(model: model, options: options)
                done.resume()
            }
            if !started {
                // A process limit: say so and return, rather than wait for a thread that does not exist.
                FileHandle.standardError.write(Data("abtop: the dashboard's thread could not start\n".utf8))
                done.resume()
            }
        }
    }

    static func loop(model: any DashboardModel, options: Options) {
        terminationRequested.store(false, ordering: .relaxed)
        var state = DashboardState()
        state.themeIndex = min(options.themeIndex, options.themes.count - 1)
        let terminal = NcursesTerminal(theme: options.themes[state.themeIndex])
        defer { terminal.restore() }
        let frameNanos = UInt64(1_000_000_000 / max(1, options.fps))
        var flashUntil: UInt64 = 0
        while !state.quit && !terminationRequested.load(ordering: .relaxed) && !terminal.isHungUp {
            let start = DispatchTime.now().uptimeNanoseconds
            var frame = model.frame()
            state.absorb(frame)
            for command in state.tick(frame) {
                model.perform(command)
                frame.apply(command)
            }
            if state.flash != nil && start > flashUntil && flashUntil != 0 {
                state.flash = nil
                flashUntil = 0
            }
            let (w, h) = terminal.size
            state.layout = DashboardView.layout(frame, width: w, height: h, scorecard: state.showScorecard)
            terminal.draw(
                DashboardView.render(
                    frame, state: state, width: w, height: h, themeName: options.themes[state.themeIndex].name))
            let deadline = start + frameNanos
            var keys = 0
            while !state.quit && keys < keysPerFrame {
                let now = DispatchTime.now().uptimeNanoseconds
                // Before the first key: wait for one until the frame is due (at least 1 ms, so a frame that ran
                // late still reads what was typed). After it: only what is already typed, then redraw at once.
                let wait = keys > 0 || now >= deadline ? 1 : Int((deadline - now) / 1_000_000) + 1
                guard let key = terminal.readKey(timeoutMs: wait) else { break }
                keys += 1
                let theme = state.themeIndex
                let commands = state.handle(key, frame: frame, themeCount: options.themes.count)
                for command in commands {
                    model.perform(command)
                    // The next key in this batch sees what this one did (a slider five steps on, not one).
                    frame.apply(command)
                }
                if state.flash != nil && flashUntil == 0 {
                    flashUntil = DispatchTime.now().uptimeNanoseconds + 3_000_000_000
                }
                if theme != state.themeIndex { terminal.apply(options.themes[state.themeIndex]) }
                // Another endpoint is another frame altogether (other entities), and a vote or the next pair
                // changes what is on screen: the keys after them wait for the next frame.
                if commands.contains(.nextEndpoint) { break }
                if state.redrawFirst {
                    state.redrawFirst = false
                    break
                }
            }
        }
    }
}
