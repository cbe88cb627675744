import ABCore
import Foundation

/// Writes to stdout and stderr without buffering surprises (Swift 6 on Linux cannot `fflush(stdout)`).
///
/// Every line goes through `TerminalText.sanitized`: names, models, config values and provider text can hold
/// escape sequences, and these lines land on the user's terminal.
enum Console {
    static func out(_ text: String) {
        raw(text + "\n", to: .standardOutput)
    }

    static func err(_ text: String) {
        raw(text + "\n", to: .standardError)
    }

    /// `text` as it is apart from the sanitizing: no newline added (a report written to stdout).
    static func raw(_ text: String, to handle: FileHandle) {
        handle.write(Data(TerminalText.sanitized(text).utf8))
    }
}
