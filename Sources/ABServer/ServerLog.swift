import Foundation
import Logging

/// The servers' log: errors and worse, to stderr, as swift-log's stream handler wrote them. Hummingbird gives every
/// request a logger of its own with an `hb.request.id` in its metadata; the stream handler formats all of its
/// metadata each time any is set (1.7 % of a served request's CPU, for lines never written), where this one keeps
/// the metadata as it is until a line is written.
struct ServerLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .error

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        let all = metadata.merging(explicit ?? [:]) { $1 }
        let fields = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        FileHandle.standardError.write(Data("\(label): \(level): \(message)\(fields)\n".utf8))
    }

    /// A logger for `label` at `level` with this handler.
    static func logger(_ label: String, level: Logger.Level = .error) -> Logger {
        var logger = Logger(label: label) { ServerLogHandler(label: $0) }
        logger.logLevel = level
        return logger
    }
}
