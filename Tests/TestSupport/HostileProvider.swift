import Foundation
import Synchronization

/// A provider that misbehaves on purpose, on loopback, over plain blocking sockets (one thread per connection).
///
/// The first path segment picks the misbehaviour, so one server serves every case: point an entity's base URL at
/// `http://127.0.0.1:PORT/<mode>`.
/// - `echo`: a 401 whose error message repeats every request header (the key included);
/// - `endless`: a 200 SSE stream of content chunks that never ends;
/// - `drip`: a 200 SSE stream of one-character deltas that never ends (each ~200 bytes once serve frames it);
/// - `giantline`: a 200 SSE stream whose one `data:` line never ends;
/// - `garbage`: a 200 SSE answer of random bytes, then the connection closes;
/// - `reset`: the connection is reset (RST) once the request arrived;
/// - `retryafter`: a 429 with `Retry-After: 1e300`;
/// - `toolecho`: a tool call whose id and name are the request's bearer key: whole in a JSON answer, split in two
///   halves over two deltas in a stream.
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
        guard let (head, body) = readRequest(fd) else { return }
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
        case "drip":
            guard write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n") else {
                return
            }
            let burst = String(
                repeating: #"data: {"choices": [{"index": 0, "delta": {"content": "x"}}]}"# + "\n\n", count: 256)
            for _ in 0..<100_000 where write(burst) {}
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
        case "toolecho":
            let key =
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("authorization: bearer ") }
                .map { String($0.dropFirst("authorization: bearer ".count)) } ?? "no-key"
            let half = key.index(key.startIndex, offsetBy: key.count / 2)
            let (k1, k2) = (String(key[..<half]), String(key[half...]))
            let usage = #""usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}"#
            if !body.contains(#""stream":true"#) && !body.contains(#""stream": true"#) {
                let answer =
                    #"{"id": "x", "object": "chat.completion", "model": "gpt-4o", "choices": [{"index": 0, "#
                    + #""message": {"role": "assistant", "content": null, "tool_calls": [{"id": "call_\#(key)", "#
                    + #""type": "function", "function": {"name": "\#(key)", "arguments": "{}"}}]}, "#
                    + #""finish_reason": "tool_calls"}], \#(usage)}"#
                _ = write(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(answer.utf8.count)\r\nConnection: close\r\n\r\n\(answer)"
                )
                return
            }
            func call(_ fields: String) -> String {
                #"data: {"id": "x", "object": "chat.completion.chunk", "model": "gpt-4o", "choices": [{"index": 0, "#
                    + #""delta": {"tool_calls": [{"index": 0, \#(fields)}]}, "finish_reason": null}]}"# + "\n\n"
            }
            _ = write(
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                    + call(#""id": "call_\#(k1)", "type": "function", "function": {"name": "\#(k1)", "arguments": ""}"#)
                    + call(#""id": "\#(k2)", "function": {"name": "\#(k2)"}"#)
                    + call(#""function": {"arguments": "{}"}"#)
                    + #"data: {"id": "x", "object": "chat.completion.chunk", "model": "gpt-4o", "choices": [{"#
                    + #""index": 0, "delta": {}, "finish_reason": "tool_calls"}], \#(usage)}"# + "\n\ndata: [DONE]\n\n")
        case "reset":
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        default:
            _ = write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        }
    }

    /// The request's head and body.
    private func readRequest(_ fd: Int32) -> (head: String, body: String)? {
        var raw = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while raw.count < 1 << 20 {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return nil }
            raw += buffer[0..<n]
            if let end = raw.firstRange(of: Array("\r\n\r\n".utf8)) {
                // Read the body too, so closing does not reset a request still being written.
                let head = String(decoding: raw[..<end.lowerBound], as: UTF8.self)
                let length =
                    head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                var body = Array(raw[end.upperBound...])
                while body.count < min(length, 1 << 20) {
                    let m = recv(fd, &buffer, buffer.count, 0)
                    if m <= 0 { break }
                    body += buffer[0..<m]
                }
                return (head, String(decoding: body, as: UTF8.self))
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
