import Foundation
import Synchronization

/// A provider that misbehaves on purpose, on loopback, over plain blocking sockets (one thread per connection).
///
/// The first path segment picks the misbehaviour, so one server serves every case: point an entity's base URL at
/// `http://127.0.0.1:PORT/<mode>`.
/// - `echo`: a 401 whose error message repeats every request header (the key included);
/// - `endless`: a 200 SSE stream of content chunks that never ends;
/// - `giantline`: a 200 SSE stream whose one `data:` line never ends;
/// - `garbage`: a 200 SSE answer of random bytes, then the connection closes;
/// - `reset`: the connection is reset (RST) once the request arrived;
/// - `retryafter`: a 429 with `Retry-After: 1e300`.
public final class HostileProvider: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)
    /// Bytes written to clients, per mode: how much a client let in before it stopped reading.
    private let sent = Mutex<[String: Int]>([:])

    public init() throws {
        let (fd, bound) = RawHTTP.bindLoopback()
        guard listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        listener = fd
        port = bound
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    public func baseURL(_ mode: String) -> String { "http://127.0.0.1:\(port)/\(mode)" }

    public func bytesSent(_ mode: String) -> Int { sent.withLock { $0[mode] ?? 0 } }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let fd = accept(listener, nil, nil)
            if fd < 0 { return }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            Thread { [self] in serve(fd) }.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        guard let head = readHead(fd) else { return }
        let requestLine = head.split(separator: "\r\n").first.map(String.init) ?? ""
        let path = requestLine.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let mode = path.split(separator: "/").first.map(String.init) ?? ""
        func write(_ text: String) -> Bool { writeAll(fd, Array(text.utf8), mode: mode) }
        switch mode {
        case "echo":
            let echoed = head.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\r\n", with: "\\n")
            let body = #"{"error": {"message": "bad request; you sent: \#(echoed)", "type": "invalid_request_error"}}"#
            _ = write(
                "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            )
        case "retryafter":
            let body = #"{"error": {"message": "slow down", "type": "rate_limit_error"}}"#
            _ = write(
                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1e300\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            )
        case "endless":
            guard write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n") else {
                return
            }
            let chunk =
                #"data: {"choices": [{"index": 0, "delta": {"content": "\#(String(repeating: "blah ", count: 200))"}}]}"#
                + "\n\n"
            for _ in 0..<200_000 where write(chunk) {}
        case "giantline":
            guard write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\ndata: ") else {
                return
            }
            let piece = String(repeating: "a", count: 65_536)
            for _ in 0..<20_000 where write(piece) {}
        case "garbage":
            var bytes = Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n".utf8)
            var rng = SystemRandomNumberGenerator()
            for _ in 0..<4096 { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
            bytes += Array("\n\ndata: {not json\n\n".utf8)
            _ = writeAll(fd, bytes, mode: mode)
        case "reset":
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        default:
            _ = write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        }
    }

    /// The request's head and as much of the body as arrived with it (the body is not needed).
    private func readHead(_ fd: Int32) -> String? {
        var raw = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while raw.count < 1 << 20 {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return nil }
            raw += buffer[0..<n]
            if let text = String(bytes: raw, encoding: .utf8), let end = text.range(of: "\r\n\r\n") {
                // Read the body too, so closing does not reset a request still being written.
                let head = String(text[..<end.lowerBound])
                let length =
                    head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                var have = raw.count - text[..<end.upperBound].utf8.count
                while have < length {
                    let m = recv(fd, &buffer, buffer.count, 0)
                    if m <= 0 { break }
                    have += m
                }
                return head
            }
        }
        return nil
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8], mode: String) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
            sent.withLock { $0[mode, default: 0] += n }
        }
        return true
    }
}
