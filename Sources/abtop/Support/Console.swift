import Foundation

/// Writes to stdout and stderr without buffering surprises (Swift 6 on Linux cannot `fflush(stdout)`).
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
