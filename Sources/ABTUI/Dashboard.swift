import ABCore
import Foundation

/// The dashboard loop (oha's monitor): each frame takes the model's frame, renders it, draws the changes, then
/// waits for keys until the next frame is due. Runs on a thread of its own, since reading keys blocks.
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

    /// Runs until `q`, SIGINT or SIGTERM; returns with the terminal restored.
    public static func run(model: any DashboardModel, options: Options) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                loop(model: model, options: options)
                done.resume()
            }
            thread.name = "abtop-dashboard"
            thread.start()
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
        while !state.quit && !terminationRequested.load(ordering: .relaxed) {
            let start = DispatchTime.now().uptimeNanoseconds
            let frame = model.frame()
            if state.flash != nil && start > flashUntil && flashUntil != 0 { state.flash = nil; flashUntil = 0 }
            let (w, h) = terminal.size
            terminal.draw(DashboardView.render(frame, state: state, width: w, height: h,
                                               themeName: options.themes[state.themeIndex].name))
            let deadline = start + frameNanos
            while !state.quit {
                let now = DispatchTime.now().uptimeNanoseconds
                // A frame that took longer than the frame period (a busy machine) still reads a key before the
                // next one: keys used to wait until a frame came in under budget, which under load was never,
                // so `?` and `q` went unanswered for minutes.
                let late = now >= deadline
                let wait = late ? 5 : Int((deadline - now) / 1_000_000) + 1
                guard let key = terminal.readKey(timeoutMs: wait) else {
                    if late { break }
                    continue
                }
                let theme = state.themeIndex
                for command in state.handle(key, frame: frame, themeCount: options.themes.count) {
                    model.perform(command)
                }
                if state.flash != nil && flashUntil == 0 { flashUntil = DispatchTime.now().uptimeNanoseconds + 3_000_000_000 }
                if theme != state.themeIndex { terminal.apply(options.themes[state.themeIndex]) }
                break  // redraw at once after a key
            }
        }
    }
}
