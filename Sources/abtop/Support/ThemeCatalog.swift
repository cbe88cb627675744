import ABTUI
import Foundation

/// The themes: the seven built into the binary (`BuiltInThemes`), then user themes from `--themes-dir` and
/// `$XDG_CONFIG_HOME/abtop/themes` (DESIGN §8), which may add themes or replace a built-in one by its name. A bad
/// file gives warnings, never a failure; `mono` always exists.
enum ThemeCatalog {
    static func load(themesDir: String?, environment: [String: String]) -> (themes: [Theme], warnings: [String]) {
        var dirs: [String] = []
        if let themesDir { dirs.append(themesDir) }
        let config = environment["XDG_CONFIG_HOME"] ?? (environment["HOME"].map { $0 + "/.config" } ?? "")
        if !config.isEmpty { dirs.append(config + "/abtop/themes") }

        var byName: [String: Theme] = ["default": .standard, "mono": .mono]
        for (name, text) in BuiltInThemes.files { byName[name] = Theme.parse(text, name: name).theme }
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
        let order = BuiltInThemes.files.map(\.name)
        let themes =
            order.compactMap { byName[$0] } + byName.keys.filter { !order.contains($0) }.sorted().map { byName[$0]! }
        return (themes, warnings)
    }
}
