import Foundation

/// A colour as the theme file writes it.
public struct RGB: Hashable, Sendable {
    public let r: UInt8, g: UInt8, b: UInt8

    public init(r: UInt8, g: UInt8, b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// "#RRGGBB" (or "RRGGBB").
    public init?(hex: String) {
        var s = Substring(hex)
        if s.hasPrefix("#") { s = s.dropFirst() }
        guard s.count == 6, let v = UInt32(s, radix: 16) else { return nil }
        self.init(r: UInt8(v >> 16 & 0xFF), g: UInt8(v >> 8 & 0xFF), b: UInt8(v & 0xFF))
    }
}

/// A dashboard theme in btop's syntax: `theme[role]="#RRGGBB"` lines and `#` comments (DESIGN §8).
///
/// The built-in default is the whitelist: unknown roles are reported and ignored, missing roles fall back to the
/// default, a bad value is reported and ignored. Parsing never fails.
public struct Theme: Sendable, Equatable {
    public let name: String
    /// Foreground per role key (`main_fg`, `entity_1`, …), plus `main_bg` and `selected_bg`, which are read (btop
    /// themes set them) but not drawn: abtop keeps the terminal's own background (a theme cannot make it
    /// unreadable) and marks the selected row with `▶` and bold, which read on any background.
    public let colors: [String: RGB]
    /// True for the attribute-only theme (`mono`, or `NO_COLOR`).
    public let monochrome: Bool

    public static let keys =
        [
            "main_bg", "main_fg", "title", "border", "hi_fg", "selected_bg", "selected_fg",
            "inactive_fg", "good", "warn", "bad", "slider_fill", "slider_empty", "graph_text",
        ]
        + (1...8).map { "entity_\($0)" }

    public static let standard = Theme(
        name: "default",
        colors: [
            "main_bg": RGB(hex: "#1c1c1c")!, "main_fg": RGB(hex: "#d0d0d0")!, "title": RGB(hex: "#ffffff")!,
            "border": RGB(hex: "#5f5f5f")!, "hi_fg": RGB(hex: "#ffaf00")!, "selected_bg": RGB(hex: "#303a4a")!,
            "selected_fg": RGB(hex: "#ffffff")!, "inactive_fg": RGB(hex: "#6c6c6c")!, "good": RGB(hex: "#5fd75f")!,
            "warn": RGB(hex: "#ffd75f")!, "bad": RGB(hex: "#ff5f5f")!, "slider_fill": RGB(hex: "#5fafff")!,
            "slider_empty": RGB(hex: "#3a3a3a")!, "graph_text": RGB(hex: "#a8a8a8")!,
            "entity_1": RGB(hex: "#5fafff")!, "entity_2": RGB(hex: "#ff87af")!, "entity_3": RGB(hex: "#87d787")!,
            "entity_4": RGB(hex: "#ffaf5f")!, "entity_5": RGB(hex: "#af87ff")!, "entity_6": RGB(hex: "#5fd7d7")!,
            "entity_7": RGB(hex: "#d7d75f")!, "entity_8": RGB(hex: "#d78787")!,
        ], monochrome: false)

    /// The theme as a file in btop's syntax, every role in `keys` order: the default theme's file text.
    public var fileText: String {
        let header = [
            "# abtop \(name) theme (dark). btop syntax: theme[role]=\"#RRGGBB\".",
            "# This file is the whitelist of roles: other themes may set any of these; missing roles fall back to these values.",
        ]
        let lines = Self.keys.compactMap { key in
            colors[key].map { c in
                "theme[\(key)]=\"#" + [c.r, c.g, c.b].map { String(format: "%02x", $0) }.joined() + "\""
            }
        }
        return (header + lines).joined(separator: "\n")
    }

    public static let mono = Theme(name: "mono", colors: standard.colors, monochrome: true)

    public init(name: String, colors: [String: RGB], monochrome: Bool = false) {
        self.name = name
        self.colors = colors
        self.monochrome = monochrome
    }

    /// Parses a theme file; problems come back as warnings with their line numbers.
    public static func parse(_ text: String, name: String) -> (theme: Theme, warnings: [String]) {
        var colors = standard.colors
        var warnings: [String] = []
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .enumerated()
        {
            let line = raw.trimmingCharacters(in: " \t")
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.hasPrefix("theme["), let close = line.firstIndex(of: "]"), let eq = line.firstIndex(of: "="),
                close < eq
            else {
                warnings.append("\(name).theme:\(i + 1): not a theme[role]=\"#RRGGBB\" line; ignored")
                continue
            }
            let key = String(line[line.index(line.startIndex, offsetBy: 6)..<close])
            let value = line[line.index(after: eq)...].trimmingCharacters(in: " \t\"'")
            guard keys.contains(key) else {
                warnings.append("\(name).theme:\(i + 1): unknown role \"\(key)\"; ignored")
                continue
            }
            guard let color = RGB(hex: value) else {
                warnings.append(
                    "\(name).theme:\(i + 1): \(key): \"\(value)\" is not a #RRGGBB colour; the default is kept")
                continue
            }
            colors[key] = color
        }
        return (Theme(name: name, colors: colors, monochrome: name == "mono"), warnings)
    }

    public func color(_ role: Role) -> RGB { colors[role.themeKey] ?? Theme.standard.colors[role.themeKey]! }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
