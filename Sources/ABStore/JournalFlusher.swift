import ABCore
import Foundation

/// The one thread that writes a journal's buffered rows, for every session writing to it (all of serve's
/// endpoints share it): a session with rows waiting is flushed 100 ms after its first row arrived (at once when 500
/// wait), so a `kill -9` loses at most the last tenth of a second. With nothing waiting the thread sleeps without a
/// timer, and after a minute idle it ends (the next row starts another).
///
/// Nothing ever waits for this thread: a session's `close` drains its own buffer on the caller's thread. If the
/// thread cannot start (a process limit), rows are written on the thread that hands them in instead.
final class JournalFlusher: @unchecked Sendable {
    /// Guards everything below.
    private let condition = NSCondition()
    private var dirty: [ObjectIdentifier: JournalWriter] = [:]
    /// When the oldest waiting row arrived: the batch is written 100 ms later.
    private var since: Date?
    private var urgent = false
    private var running = false

    static let window = 0.1
    static let idleExit = 60.0

    /// Asks for `writer`'s rows to be written soon (`urgent`: now). False when no thread could run it: the caller
    /// writes them itself.
    func schedule(_ writer: JournalWriter, urgent: Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if dirty.updateValue(writer, forKey: ObjectIdentifier(writer)) == nil, since == nil { since = Date() }
        if urgent { self.urgent = true }
        if !running {
            running = DetachedThread.start(name: "abtop-journal") { [self] in loop() }
            if !running {
                dirty[ObjectIdentifier(writer)] = nil
                return false
            }
        }
        condition.signal()
        return true
    }

    private func loop() {
        condition.lock()
        while true {
            while dirty.isEmpty {
                if !condition.wait(until: Date().addingTimeInterval(Self.idleExit)), dirty.isEmpty {
                    running = false
                    condition.unlock()
                    return
                }
            }
            let due = (since ?? Date()).addingTimeInterval(Self.window)
            while !urgent, Date() < due { _ = condition.wait(until: due) }
            let batch = dirty.values
            dirty = [:]
            since = nil
            urgent = false
            condition.unlock()
            // A write that failed keeps its rows: the writer asks again, and they are tried a cycle later.
            var again: [JournalWriter] = []
            for writer in batch {
                writer.taken()
                if writer.flush() { again.append(writer) }
            }
            condition.lock()
            for writer in again where dirty.updateValue(writer, forKey: ObjectIdentifier(writer)) == nil {
                if since == nil { since = Date() }
            }
        }
    }
}
