import ABCore
import Foundation

/// A read of the verdicts as the journal keeps it (`session.analysis_json`): JSON with sorted keys, so the same
/// read is the same text.
public enum AnalysisJSON {
    public static func encode(_ read: AnalysisRead) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? encoder.encode(read)).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// nil for text that is not such a read (a journal written by an older abtop has none).
    public static func decode(_ text: String?) -> AnalysisRead? {
        guard let data = text?.data(using: .utf8) else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try? decoder.decode(AnalysisRead.self, from: data)
    }
}

/// A rollout's state as the journal keeps it (`rollout.state_json`), read back when serve restarts.
public enum RolloutJSON {
    public static func encode(_ state: RolloutState) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(state)).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// nil for text that is not such a state (damaged or edited).
    public static func decode(_ text: String?) -> RolloutState? {
        guard let data = text?.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode(RolloutState.self, from: data)
    }
}
