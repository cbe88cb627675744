import ABCore
import ABProviders
import CCurl
import Foundation
import Synchronization

/// One transfer: its easy handle and what comes back. Made by the caller; from `configure` to `complete` touched
/// by its loop's thread only (checked in debug builds), and `complete` hands the result to the waiting task.
final class Transfer: @unchecked Sendable {
    let spec: HTTPRequestSpec
    /// The response headers this request's wire format reads, besides `keptHeaders`.
    private let extraHeaders: [(name: String, bytes: [UInt8])]
    let timeouts: TransportTimeouts
    let sink: any TransferSink
    let start: UInt64
    let firstByteDeadline: UInt64
    var id = 0
    var continuation: CheckedContinuation<TransferResult, Never>?
    /// Set by the waiting task's cancellation, from any thread: the next piece of body stops the transfer, so a
    /// stream that keeps the loop busy ends at once instead of when the loop next reads its inbox.
    let cancelRequested = Atomic<Bool>(false)
    var easy: UnsafeMutableRawPointer?
    /// Where the easy handle goes back when the transfer ends.
    private var pool: EasyPool?
    /// A header list this transfer built for itself (nil when it uses a shared one).
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// libcurl writes its error detail here; allocated by hand so its address never moves.
    private let errorBuffer: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        p.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        return p
    }()
    var firstByte: UInt64?
    private var status: Int?
    private var headers: [String: String] = [:]
    private var headDelivered = false
    private var bytes = 0
    private var completed = false
    /// Set by `configure`, on the loop thread.
    private var confinement: ThreadConfinement?

    deinit {
        errorBuffer.deallocate()
    }

    init(spec: HTTPRequestSpec, timeouts: TransportTimeouts, sink: any TransferSink, start: UInt64) {
        self.spec = spec
        self.extraHeaders = spec.responseHeaders.map { ($0.lowercased(), Array($0.lowercased().utf8)) }
        self.timeouts = timeouts
        self.sink = sink
        self.start = start
        self.firstByteDeadline = start &+ UInt64(max(0, timeouts.firstByte) * 1e9)
    }

    /// Creates and sets up the easy handle; false if libcurl refused.
    func configure(pool: EasyPool, headers: HeaderLists) -> Bool {
        confinement = ThreadConfinement()
        guard let easy = pool.take() else { return false }
        self.easy = easy
        self.pool = pool
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        var ok = abtop_easy_setopt_string(easy, CURLOPT_URL, spec.url) == CURLE_OK
        ok = ok && abtop_easy_setopt_pointer(easy, CURLOPT_PRIVATE, opaque) == CURLE_OK
        _ = abtop_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = abtop_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        _ = abtop_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
        _ = abtop_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        _ = abtop_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        _ = abtop_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(timeouts.connect * 1000))
        _ = abtop_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(timeouts.total * 1000))
        _ = abtop_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
        // A body goes as POST fields; another method with a body (PUT) is named over them.
        if spec.method == "POST" || (spec.method != "GET" && !spec.body.isEmpty) {
            _ = abtop_easy_setopt_long(easy, CURLOPT_POST, 1)
            _ = abtop_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(spec.body.count))
            _ = spec.body.withUnsafeBytes { raw in
                abtop_easy_setopt_pointer(
                    easy, CURLOPT_COPYPOSTFIELDS,
                    UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        }
        if spec.method != "GET" && spec.method != "POST" {
            _ = abtop_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, spec.method)
        }
        let (list, owned) = headers.list(for: spec)
        if owned { headerList = list }
        _ = abtop_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list)
        _ = abtop_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION) { pointer, size, count, user in
            let t = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            t.header(UnsafeRawBufferPointer(start: pointer, count: size * count))
            return size * count
        }
        _ = abtop_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, opaque)
        _ = abtop_easy_setopt_callback(easy, CURLOPT_WRITEFUNCTION) { pointer, size, count, user in
            let t = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            return t.body(UnsafeRawBufferPointer(start: pointer, count: size * count)) ? size * count : 0
        }
        _ = abtop_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, opaque)
        return ok
    }

    /// One header line, parsed on the raw bytes (Foundation's trimming cost more than the rest of a request).
    private func header(_ line: UnsafeRawBufferPointer) {
        confinement?.check()
        if firstByte == nil { firstByte = Monotonic.now() }
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D || line[end - 1] == 0x20 { end -= 1 }
        if end == 0 {
            if let status, status >= 200 { deliverHead() }
            return
        }
        let bytes = UnsafeRawBufferPointer(rebasing: line[0..<end])
        if bytes.count > 5, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[4] == UInt8(ascii: "/")
        {
            // A new status line (after 100 Continue, or a redirect) starts a new header block.
            guard let space = bytes.firstIndex(of: 0x20) else { return }
            var code = 0
            var i = space + 1
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                code = code * 10 + Int(bytes[i] - 0x30)
                i += 1
            }
            status = code
            headers = [:]
            return
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            let name = Self.keptHeaders.first(where: { Self.sameName(bytes, colon, $0.bytes) })?.name
                ?? extraHeaders.first(where: { Self.sameName(bytes, colon, $0.bytes) })?.name
        else { return }
        var valueStart = colon + 1
        while valueStart < bytes.count, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
        headers[name] = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart...]), as: UTF8.self)
    }

    /// The response headers anyone reads (retry hints, the body's type, the provider's request id); the others
    /// are not turned into strings at all, except those the request names (`HTTPRequestSpec.responseHeaders`).
    static let keptHeaders: [(name: String, bytes: [UInt8])] =
        ["retry-after", "retry-after-ms", "content-type", "x-request-id", "request-id"].map { ($0, Array($0.utf8)) }

    /// Whether the header name `line[0..<end]` is `lower`, ignoring ASCII case.
    private static func sameName(_ line: UnsafeRawBufferPointer, _ end: Int, _ lower: [UInt8]) -> Bool {
        guard end == lower.count else { return false }
        for i in 0..<end {
            let c = line[i]
            if (c >= 0x41 && c <= 0x5A ? c + 0x20 : c) != lower[i] { return false }
        }
        return true
    }

    private func deliverHead() {
        guard !headDelivered else { return }
        headDelivered = true
        sink.receivedHead(status: status ?? 0, headers: headers)
    }

    private func body(_ data: UnsafeRawBufferPointer) -> Bool {
        confinement?.check()
        if firstByte == nil { firstByte = Monotonic.now() }
        deliverHead()
        bytes += data.count
        if cancelRequested.load(ordering: .relaxed) { return false }
        return sink.receivedBody(data)
    }

    /// Ends the transfer with libcurl's result.
    func complete(code: CURLcode) {
        if code != CURLE_OK, cancelRequested.load(ordering: .relaxed) {
            complete(failure: ProviderError(kind: .cancelled, message: "cancelled"))
            return
        }
        guard code != CURLE_OK else {
            complete(failure: nil)
            return
        }
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        complete(failure: ProviderError(kind: kind(of: code), status: status, message: message))
    }

    /// The error kind of a libcurl failure (DESIGN §5): a cut once bytes arrived is a broken stream.
    private func kind(of code: CURLcode) -> ErrorKind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT: return .connect
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE:
            return .tls
        case CURLE_ABORTED_BY_CALLBACK: return .cancelled
        default:
            // Partial file, receive error, got nothing, HTTP/2 stream errors: the connection failed under us.
            return bytes > 0 || headDelivered ? .streamBroken : .connect
        }
    }

    func complete(failure: ProviderError?) {
        confinement?.check()
        guard !completed else { return }
        completed = true
        let result = TransferResult(
            status: status, headers: headers, failure: failure, start: start,
            firstByte: firstByte, end: Monotonic.now(), bytesReceived: bytes)
        if let easy {
            if let pool { pool.give(easy) } else { curl_easy_cleanup(easy) }
        }
        easy = nil
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        let continuation = self.continuation
        self.continuation = nil
        continuation?.resume(returning: result)
    }
}
