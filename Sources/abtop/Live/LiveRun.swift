import ABCore
import ABReport
import ABEngine
import ABStore
import ABTUI
import ArgumentParser
import Foundation
import Logging

/// Options every dashboard command shares (`demo`, `run`).
struct DashboardOptions: ParsableArguments {
    @Option(help: "Dashboard frames per second.")
    var fps: Int = 10

    @Option(help: "Dashboard theme (T cycles themes live).")
    var theme: String?

    @Option(help: "A folder of *.theme files.")
    var themesDir: String?

    func validate() throws {
        guard (1...60).contains(fps) else { throw ValidationError("--fps must be 1…60") }
    }

    /// The themes, and which one to start with (`--theme`, `NO_COLOR` → mono).
    func resolve() -> Dashboard.Options {
        let environment = ProcessInfo.processInfo.environment
        let (themes, warnings) = ThemeCatalog.load(themesDir: themesDir, environment: environment)
        for w in warnings { Console.err("abtop: theme: \(w)") }
        var wanted = theme ?? (environment["NO_COLOR"].map { $0.isEmpty ? nil : "mono" } ?? nil) ?? "default"
        if themes.firstIndex(where: { $0.name == wanted }) == nil {
            Console.err("abtop: no theme named \(wanted) (have: \(themes.map(\.name).joined(separator: ", "))); using default")
            wanted = "default"
        }
        return Dashboard.Options(fps: fps, themes: themes, themeIndex: themes.firstIndex { $0.name == wanted } ?? 0)
    }
}

/// Runs a session with the dashboard in front: load in the background, the dashboard until `q`, then the
/// summary on stdout (as oha does).
enum LiveRun {
    static func run(engine: Engine, transport: CurlTransport, prompts: [PromptItem], shape: LoadShape,
                    limits: LoadLimits, seed: UInt64, dashboard: DashboardOptions,
                    recording: JournalRecording?) async -> JournalWriter.Status? {
        // The dashboard owns the screen: log lines would corrupt it.
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        let control = LoadControl()
        let rate: Double? = if case .open(let r) = shape { r } else { nil }
        let load = Task { await LoadGenerator.run(engine: engine, prompts: prompts, shape: shape, limits: limits,
                                                  control: control, seed: seed) }
        let model = LiveModel(engine: engine, control: control, rate: rate, recording: recording)
        await Dashboard.run(model: model, options: dashboard.resolve())
        control.stop()
        load.cancel()
        transport.shutdown()
        let stored = recording?.finish()
        let session = engine.session
        let summary = RunSummary(endpoint: session.endpoint.name, mode: session.mode.rawValue, duration: session.now(),
                                 seed: seed, snapshot: session.snapshot(), verdicts: session.verdicts(), srm: session.srm())
        Console.out(summary.text())
        return stored
    }
}
