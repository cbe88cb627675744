/// What a cell is, for the theme to colour: draw code asks for a role, never a colour (DESIGN §8).
public enum Role: Hashable, Sendable {
    case mainFg
    case title
    case border
    case hiFg
    case selected
    case inactiveFg
    case good
    case warn
    case bad
    case sliderFill
    case sliderEmpty
    case graphText
    /// The colour of served entity `n` (0-based; themes name them entity_1 … entity_8).
    case entity(Int)

    /// The theme file's key for the role's foreground.
    public var themeKey: String {
        switch self {
        case .mainFg: "main_fg"
        case .title: "title"
        case .border: "border"
        case .hiFg: "hi_fg"
        case .selected: "selected_fg"
        case .inactiveFg: "inactive_fg"
        case .good: "good"
        case .warn: "warn"
        case .bad: "bad"
        case .sliderFill: "slider_fill"
        case .sliderEmpty: "slider_empty"
        case .graphText: "graph_text"
        case .entity(let n): "entity_\(n % 8 + 1)"
        }
    }

    public static let all: [Role] =
        [
            .mainFg, .title, .border, .hiFg, .selected, .inactiveFg, .good, .warn, .bad,
            .sliderFill, .sliderEmpty, .graphText,
        ] + (0..<8).map { .entity($0) }
}

/// Text attributes, usable with or without colour (NO_COLOR and the mono theme draw with these alone).
public struct Style: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = Style(rawValue: 1)
    public static let dim = Style(rawValue: 2)
    public static let reverse = Style(rawValue: 4)
    public static let underline = Style(rawValue: 8)
}
