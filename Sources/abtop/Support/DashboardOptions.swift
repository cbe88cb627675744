import ABTUI
import ArgumentParser
import Foundation

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
            Console.err(
                "abtop: no theme named \(wanted) (have: \(themes.map(\.name).joined(separator: ", "))); using default")
            wanted = "default"
        }
        return Dashboard.Options(fps: fps, themes: themes, themeIndex: themes.firstIndex { $0.name == wanted } ?? 0)
    }
}
