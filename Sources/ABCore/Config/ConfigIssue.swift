/// One problem found in an endpoint config: where (a JSON path), what, and how to fix it.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error
        case warning
    }

    public let severity: Severity
    public let path: ConfigPath
    public let message: String
    public let fix: String?

    public init(severity: Severity, path: ConfigPath, message: String, fix: String? = nil) {
        self.severity = severity
        self.path = path
        self.message = message
        self.fix = fix
    }

    public static func error(_ path: ConfigPath, _ message: String, fix: String? = nil) -> ConfigIssue {
        ConfigIssue(severity: .error, path: path, message: message, fix: fix)
    }

    public static func warning(_ path: ConfigPath, _ message: String, fix: String? = nil) -> ConfigIssue {
        ConfigIssue(severity: .warning, path: path, message: message, fix: fix)
    }

    /// `error: path: message` and, on the next line, `  fix: …`.
    public var description: String {
        var text = "\(severity.rawValue): \(path): \(message)"
        if let fix { text += "\n  fix: \(fix)" }
        return text
    }
}

/// Issues collected while reading a config: every problem at once, in file order.
public struct ConfigIssues: Error, Sendable, Equatable, CustomStringConvertible {
    public private(set) var all: [ConfigIssue]
    /// Kept as issues are added: readers ask `hasErrors` once per entity, and counting each time made reading
    /// quadratic in the number of entities (43 s for 10,000).
    public private(set) var errorCount: Int

    public init(_ issues: [ConfigIssue] = []) {
        self.all = issues
        self.errorCount = issues.count { $0.severity == .error }
    }

    public var errors: [ConfigIssue] { all.filter { $0.severity == .error } }
    public var warnings: [ConfigIssue] { all.filter { $0.severity == .warning } }
    public var hasErrors: Bool { errorCount > 0 }

    public mutating func append(_ issue: ConfigIssue) {
        all.append(issue)
        if issue.severity == .error { errorCount += 1 }
    }

    public mutating func append(contentsOf other: ConfigIssues) {
        all.append(contentsOf: other.all)
        errorCount += other.errorCount
    }

    public mutating func error(_ path: ConfigPath, _ message: String, fix: String? = nil) {
        append(.error(path, message, fix: fix))
    }

    public mutating func warning(_ path: ConfigPath, _ message: String, fix: String? = nil) {
        append(.warning(path, message, fix: fix))
    }

    public var description: String { all.map(\.description).joined(separator: "\n") }
}
