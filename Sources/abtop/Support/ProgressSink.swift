import ABCore
import ABEngine
import ABProviders
import ABReport
import ABStore
import ABTUI
import ArgumentParser
import Foundation
import Synchronization

/// Where progress lines go: stderr, or a file (`--progress-file`), one line at a time.
final class ProgressSink: Sendable {
    private let file: FileHandle?

    init(path: String?) throws {
        guard let path else {
            file = nil
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            Console.err("abtop: cannot write progress to \(path)")
            throw ExitCode(1)
        }
        file = handle
    }

    func write(_ line: String) {
        guard let file else {
            Console.err(line)
            return
        }
        file.write(Data((line + "\n").utf8))
    }
}
