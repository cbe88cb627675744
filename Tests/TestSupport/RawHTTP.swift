import Foundation
import Glibc

/// A deliberately plain HTTP/1.1 client over a socket: an outside view of the mock server, byte by byte, with
/// the time each read arrived, and whether the connection was reset.
public enum RawHTTP {
    public struct Reply: Sendable {
        public var status = 0
        public var headers: [String: String] = [:]
        public var body = Data()
        /// Seconds from sending the request to each body read, with the body length after it.
        public var reads: [(seconds: Double, length: Int)] = []
        public var total: Double = 0
        public var reset = false
        /// Seconds until the whole body had arrived (by its Content-Length), when it has one.
        public var complete: Double?
        /// The chunked body ended with its terminator (a clean end, as opposed to a dropped connection).
        public var chunkedComplete = false

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public static func post(
        port: Int, path: String, headers: [String: String], body: String,
        onRead: (@Sendable (Data) -> Void)? = nil
    ) async -> Reply {
        await send("POST", port: port, path: path, headers: headers, body: body, onRead: onRead)
    }

    /// Any method; the body is sent as JSON. `onRead` sees all the response's bytes after its head so far (still
    /// chunked; empty when a read just completed the head) after each read, on the reading thread, while the answer
    /// is still coming; it must not block.
    public static func send(
        _ method: String, port: Int, path: String, headers: [String: String] = [:],
        body: String = "", onRead: (@Sendable (Data) -> Void)? = nil
    ) async -> Reply {
        // A thread of its own per request: GCD's global queue runs only a few blocking calls at once.
        await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(
                    returning: sendBlocking(
                        method, port: port, path: path, headers: headers, body: body, onRead: onRead))
            }.start()
        }
    }

    static func sendBlocking(
        _ method: String, port: Int, path: String, headers: [String: String], body: String,
        onRead: (@Sendable (Data) -> Void)? = nil
    ) -> Reply {
        var reply = Reply()
        guard let fd = connectLoopback(port) else { return reply }
        defer { close(fd) }
        // The caller's headers replace these defaults (any case); an empty value leaves the header out.
        var fields: [(String, String)] = [
            ("Host", "127.0.0.1"), ("Connection", "close"), ("Content-Type", "application/json"),
        ]
        for (k, v) in headers {
            fields.removeAll { $0.0.lowercased() == k.lowercased() }
            fields.append((k, v))
        }
        var request = "\(method) \(path) HTTP/1.1\r\n"
        for (k, v) in fields where !v.isEmpty { request += "\(k): \(v)\r\n" }
        request += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let start = DispatchTime.now().uptimeNanoseconds
        _ = request.withCString { Glibc.send(fd, $0, strlen($0), 0) }
        var raw = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var headerEnd: Int?
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 {
                reply.reset = errno == ECONNRESET
                break
            }
            if n == 0 { break }
            raw.append(contentsOf: buffer[0..<n])
            if headerEnd == nil, let r = raw.range(of: Data("\r\n\r\n".utf8)) { headerEnd = r.upperBound }
            if let headerEnd {
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                reply.reads.append((seconds, raw.count - headerEnd))
                onRead?(Data(raw[headerEnd...]))
            }
        }
        reply.total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard let headerEnd else { return reply }
        let head = String(decoding: raw[..<headerEnd], as: UTF8.self).split(separator: "\r\n")
        reply.status = head.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            reply.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let payload = Data(raw[headerEnd...])
        if reply.headers["transfer-encoding"] == "chunked" {
            (reply.body, reply.chunkedComplete) = dechunk(payload)
        } else {
            reply.body = payload
            if let length = reply.headers["content-length"].flatMap(Int.init) {
                reply.complete = reply.reads.first { $0.length >= length }?.seconds
            }
        }
        return reply
    }

    /// Sends `bodies` one after another on one kept-alive connection, as real clients do, and returns the seconds
    /// from sending each request to having its whole (Content-Length) response; -1 for a failed one.
    public static func keepAliveLatencies(port: Int, path: String, headers: [String: String], bodies: [String]) async
        -> [Double]
    {
        await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(
                    returning: keepAliveBlocking(port: port, path: path, headers: headers, bodies: bodies))
            }.start()
        }
    }

    private static func keepAliveBlocking(port: Int, path: String, headers: [String: String], bodies: [String])
        -> [Double]
    {
        guard let fd = connectLoopback(port) else { return bodies.map { _ in -1 } }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var pending = Data()
        return bodies.map { body in
            var request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            for (k, v) in headers { request += "\(k): \(v)\r\n" }
            request += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            let start = DispatchTime.now().uptimeNanoseconds
            _ = request.withCString { Glibc.send(fd, $0, strlen($0), 0) }
            while true {
                if let headEnd = pending.range(of: Data("\r\n\r\n".utf8)) {
                    let head = String(decoding: pending[..<headEnd.lowerBound], as: UTF8.self).lowercased()
                    let length =
                        head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                    if pending.count - headEnd.upperBound >= length {
                        pending = Data(pending[(headEnd.upperBound + length)...])
                        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    }
                }
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { return -1 }
                pending.append(contentsOf: buffer[0..<n])
            }
        }
    }

    /// A port nobody listens on right now (bound to port 0, read back, released).
    public static func freePort() -> Int {
        let (fd, port) = bindLoopback()
        close(fd)
        return port
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel picked, and that port.
    public static func bindLoopback() -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// A TCP connection to 127.0.0.1:`port`, or nil.
    /// A connected socket; `receiveBuffer` (set before connecting, so the window the server sees is small) makes a
    /// client that does not read fill up after a few kilobytes instead of the kernel's megabytes.
    public static func connectLoopback(_ port: Int, receiveBuffer: Int32? = nil) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func dechunk(_ data: Data) -> (Data, Bool) {
        var out = Data()
        var i = data.startIndex
        while let lineEnd = data[i...].range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: data[i..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText, radix: 16) else { break }
            if size == 0 { return (out, true) }
            let start = lineEnd.upperBound
            let end = min(data.endIndex, start + size)
            out.append(data[start..<end])
            guard end + 2 <= data.endIndex else { break }
            i = end + 2
        }
        return (out, false)
    }
}
