import ABTUI
import Foundation

/// Finds themes: `--themes-dir`, `$XDG_CONFIG_HOME/abtop/themes`, then the `themes/` folder beside the binary or
/// in the source tree (DESIGN §8). A bad file gives warnings, never a failure; `mono` always exists.
enum ThemeCatalog {
    static func load(themesDir: String?, environment: [String: String]) -> (themes: [Theme], warnings: [String]) {
        var dirs: [String] = []
        if let themesDir { dirs.append(themesDir) }
        let config = environment["XDG_CONFIG_HOME"] ?? (environment["HOME"].map { $0 + "/.config" } ?? "")
        if !config.isEmpty { dirs.append(config + "/abtop/themes") }
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        var up = binary
        for _ in 0..<5 {
            dirs.append(up.appendingPathComponent("themes").path)
            up = up.deletingLastPathComponent()
        }
        dirs.append(FileManager.default.currentDirectoryPath + "/themes")

        var byName: [String: Theme] = ["default": .standard, "mono": .mono]
        var warnings: [String] = []
        var seen = Set<String>()
        for dir in dirs {
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for file in files.sorted() where file.hasSuffix(".theme") {
                let name = String(file.dropLast(6))
                guard !seen.contains(name), let data = FileManager.default.contents(atPath: dir + "/" + file) else {
                    continue
                }
                seen.insert(name)
                let (theme, problems) = Theme.parse(String(decoding: data, as: UTF8.self), name: name)
                byName[name] = theme
                warnings += problems
            }
        }
        let order = ["default", "light", "nord", "gruvbox", "solarized-dark", "high-contrast", "mono"]
        let themes =
            order.compactMap { byName[$0] } + byName.keys.filter { !order.contains($0) }.sorted().map { byName[$0]! }
        return (themes, warnings)
    }
}
