import Foundation

/// The formats a report comes in: one list, so the help texts, the extension rule and the renderers cannot
/// disagree.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// Markdown tables that paste into a pull request.
    case md
    /// One self-contained file with charts.
    case html
    /// Everything, for scripts.
    case json
    /// One row per request.
    case csv

    /// The format a report path's extension names (md for anything unknown).
    public init(forPath path: String) {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        self = Self.allCases.first { $0.extensions.contains(ext) } ?? .md
    }

    /// The file extensions that name this format.
    public var extensions: [String] { self == .html ? ["html", "htm"] : [rawValue] }

    /// What the format holds, for `--format`'s help.
    public var summary: String {
        switch self {
        case .md: "tables"
        case .html: "one file with charts"
        case .json: "everything"
        case .csv: "one row per request"
        }
    }

    /// ".md, .html, .json or .csv": for the help of options that take a report path.
    public static var pathHelp: String { listed(allCases.map { "." + $0.rawValue }) }

    /// "md (tables), html (one file with charts), json (everything) or csv (one row per request)".
    public static var formatHelp: String { listed(allCases.map { "\($0.rawValue) (\($0.summary))" }) }

    private static func listed(_ items: [String]) -> String {
        items.dropLast().joined(separator: ", ") + " or " + items.last!
    }

    /// The report in this format.
    public func render(_ report: SessionReport) -> String {
        switch self {
        case .json: report.json().rendered(pretty: true) + "\n"
        case .csv: report.csv()
        case .html: report.html()
        case .md: report.markdown()
        }
    }
}
