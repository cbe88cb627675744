import ABEngine
import Foundation

/// Keeps a response body (up to 64 KiB).
final class CollectingSink: TransferSink, @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    func receivedHead(status: Int, headers: [String: String]) {}

    func receivedBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        bytes += chunk.prefix(max(0, 65_536 - bytes.count))
        return true
    }

    var body: [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return bytes
    }
}
