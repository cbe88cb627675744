import ABCore
import ABProviders
import CCurl
import Foundation
import Glibc
import Synchronization

/// The HTTP client: loops (two by default), each a thread driving its own libcurl multi handle with any number of
/// transfers in flight, reusing connections (HTTP/2 multiplexing where offered), with connect, first-byte and
/// total timeouts, cancellation, and TLS verification on. The only file that imports `CCurl`.
///
/// The loop uses libcurl's event interface (`curl_multi_socket_action` on an epoll set, woken through an
/// eventfd) rather than `curl_multi_poll`, so each wake-up touches only the sockets that are ready: with many
/// transfers in flight the poll loop spent most of its time in the kernel re-polling idle connections.
public final class CurlTransport: Transport {
    /// One or more loops, each a thread with its own multi handle.
    private let loops: [(shared: Shared, executor: LoopExecutor)]
    private let nextLoop = Atomic<Int>(0)

    /// Runs tasks on the first loop's thread, between its socket events. A request task that prefers a loop's
    /// executor (`withTaskExecutorPreference`, `addTask(executorPreference:)`) builds, sends and records its
    /// requests on that thread: a finished transfer resumes its task there, with no thread to wake and no context
    /// switch, which under load cost more CPU than the rest of the engine's work per request.
    public var executor: any TaskExecutor { loops[0].executor }

    /// Every loop's executor: a load spreads its tasks over them, so one loop reads answers while another's
    /// requests are with the provider.
    public var executors: [any TaskExecutor] { loops.map(\.executor) }

    /// What the callers and the loop thread share: the multi handle and the inbox of work for the loop.
    private final class Shared: Sendable {
        let multi: MultiHandle
        let inbox = Mutex<Inbox>(Inbox())
        /// Written to wake the loop (new work, a cancel, shutdown).
        let wakeFD: Int32
        /// Set while a wake-up is pending: under load, many requests share one eventfd write.
        let wakePending = Atomic<Bool>(false)
        /// The loop thread (`pthread_self`), which needs no wake-up: it looks at the inbox before it waits.
        let loopThread = Atomic<UInt>(0)

        init(multi: MultiHandle) {
            self.multi = multi
            self.wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        }

        func wake() {
            if pthread_self() == loopThread.load(ordering: .relaxed) { return }
            if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
                _ = eventfd_write(wakeFD, 1)
            }
        }
    }

    private struct Inbox {
        var adds: [Transfer] = []
        var cancels: [Int] = []
        /// Tasks to run on the loop thread (see `executor`).
        var jobs: [UnownedJob] = []
        var stopping = false
        /// The loop has ended: jobs go to the global executor instead.
        var ended = false
        var nextID = 0

        var isEmpty: Bool { adds.isEmpty && cancels.isEmpty && jobs.isEmpty && !stopping }
    }

    /// The executor of `executor`: jobs queue in the inbox and run on the loop thread.
    private final class LoopExecutor: TaskExecutor {
        let shared: Shared

        init(shared: Shared) {
            self.shared = shared
        }

        func enqueue(_ job: consuming ExecutorJob) {
            let unowned = UnownedJob(job)
            let ended = shared.inbox.withLock { box -> Bool in
                if !box.ended { box.jobs.append(unowned) }
                return box.ended
            }
            if ended { globalConcurrentExecutor.enqueue(ExecutorJob(unowned)) } else { shared.wake() }
        }
    }

    /// A raw curl pointer, owned by the loop thread after `init`.
    private struct MultiHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    public init(maxConnections: Int = 1024, loops count: Int = 2) {
        _ = CurlTransport.globalInit
        loops = (0..<max(1, count)).map { i in
            let handle = curl_multi_init()!
            _ = abtop_multi_setopt_long(handle, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX)
            _ = abtop_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, maxConnections)
            let shared = Shared(multi: MultiHandle(pointer: handle))
            let executor = LoopExecutor(shared: shared)
            let loop = Thread { CurlTransport.run(shared, executor: executor) }
            loop.name = "abtop-curl-\(i)"
            loop.start()
            return (shared, executor)
        }
    }

    /// The loop for a new transfer: the one whose thread is asking (a task running on a loop stays there), else
    /// the next in turn.
    private func loopForCaller() -> Shared {
        let me = pthread_self()
        if let own = loops.first(where: { $0.shared.loopThread.load(ordering: .relaxed) == me }) { return own.shared }
        return loops[nextLoop.add(1, ordering: .relaxed).oldValue % loops.count].shared
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// libcurl's version, e.g. "7.88.1", and whether it speaks HTTP/2.
    public static var version: (string: String, http2: Bool) {
        (String(cString: abtop_curl_version_string()), abtop_curl_has_http2() != 0)
    }

    /// Sends `spec`, streaming the response into `sink`; returns when the transfer ends. `start` stamps the
    /// beginning (an open-loop caller passes the intended send time); cancelling the task cancels the transfer.
    public func perform(_ spec: HTTPRequestSpec, timeouts: TransportTimeouts, sink: any TransferSink,
                        start: UInt64? = nil) async -> TransferResult {
        let transfer = Transfer(spec: spec, timeouts: timeouts, sink: sink, start: start ?? Monotonic.now())
        let shared = loopForCaller()
        let id = shared.inbox.withLock { box -> Int in
            box.nextID += 1
            transfer.id = box.nextID
            return box.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.continuation = continuation
                let stopping = shared.inbox.withLock { box -> Bool in
                    if !box.stopping { box.adds.append(transfer) }
                    return box.stopping
                }
                if stopping {
                    transfer.complete(failure: ProviderError(kind: .cancelled, message: "the transport is shut down"))
                } else {
                    shared.wake()
                }
            }
        } onCancel: {
            shared.inbox.withLock { $0.cancels.append(id) }
            shared.wake()
        }
    }

    /// Stops the loop after cancelling what is in flight.
    public func shutdown() {
        for loop in loops {
            loop.shared.inbox.withLock { $0.stopping = true }
            loop.shared.wake()
        }
    }

    deinit {
        shutdown()
    }

    // MARK: - The loop (runs on its own thread; the only place curl handles are touched after init)

    private static func run(_ shared: Shared, executor: LoopExecutor) {
        shared.loopThread.store(pthread_self(), ordering: .relaxed)
        let unownedExecutor = executor.asUnownedTaskExecutor()
        let m = shared.multi.pointer
        let pool = EasyPool()
        let headerLists = HeaderLists()
        let events = SocketEvents()
        let eventsPointer = Unmanaged.passUnretained(events).toOpaque()
        _ = abtop_multi_setopt_pointer(m, CURLMOPT_SOCKETDATA, eventsPointer)
        _ = abtop_multi_setopt_pointer(m, CURLMOPT_TIMERDATA, eventsPointer)
        _ = abtop_multi_setopt_socketfunction(m) { _, socket, what, user, _ in
            Unmanaged<SocketEvents>.fromOpaque(user!).takeUnretainedValue().watch(socket, what)
            return 0
        }
        _ = abtop_multi_setopt_timerfunction(m) { _, timeoutMs, user in
            Unmanaged<SocketEvents>.fromOpaque(user!).takeUnretainedValue().setTimer(Int(timeoutMs))
            return 0
        }
        events.watchWake(shared.wakeFD)
        var active: [Int: Transfer] = [:]
        var stillRunning: Int32 = 0
        var ready = [epoll_event](repeating: epoll_event(), count: 512)
        while true {
            // Clear before draining: a request queued after the drain wakes the loop again.
            shared.wakePending.store(false, ordering: .sequentiallyConsistent)
            let (jobs, stoppingNow) = shared.inbox.withLock { box in
                defer { box.jobs.removeAll(keepingCapacity: true) }
                return (box.jobs, box.stopping)
            }
            // Tasks first: they queue transfers, which are added below in this same turn.
            if !stoppingNow {
                for job in jobs { job.runSynchronously(on: unownedExecutor) }
            }
            let (adds, cancels, stopping) = shared.inbox.withLock { box in
                defer { box.adds.removeAll(); box.cancels.removeAll() }
                return (box.adds, box.cancels, box.stopping)
            }
            for t in adds {
                if t.configure(pool: pool, headers: headerLists) {
                    active[t.id] = t
                    curl_multi_add_handle(m, t.easy)
                } else {
                    t.complete(failure: ProviderError(kind: .connect, message: "could not set up the transfer to \(t.spec.url)"))
                }
            }
            for id in cancels {
                guard let t = active.removeValue(forKey: id) else { continue }
                curl_multi_remove_handle(m, t.easy)
                t.complete(failure: ProviderError(kind: .cancelled, message: "cancelled"))
            }
            if stopping {
                for t in active.values {
                    curl_multi_remove_handle(m, t.easy)
                    t.complete(failure: ProviderError(kind: .cancelled, message: "the transport is shut down"))
                }
                // Late adds were refused once `stopping` was set; drain any that raced in before it.
                for t in shared.inbox.withLock({ box in defer { box.adds.removeAll() }; return box.adds }) {
                    t.complete(failure: ProviderError(kind: .cancelled, message: "the transport is shut down"))
                }
                pool.drain()
                curl_multi_cleanup(m)
                headerLists.drain()
                events.close()
                // Tasks that prefer this executor carry on on the global one.
                let stranded = shared.inbox.withLock { box -> [UnownedJob] in
                    box.ended = true
                    defer { box.jobs.removeAll() }
                    return box.jobs
                }
                for job in (stoppingNow ? jobs : []) + stranded { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
                shared.loopThread.store(0, ordering: .relaxed)
                return
            }

            // Wait for ready sockets, the wake-up fd, curl's timer or the next first-byte deadline.
            let now = Monotonic.now()
            var wait = events.timerDeadline.map { $0 > now ? Int(($0 - now) / 1_000_000) + 1 : 0 } ?? 1_000
            for t in active.values where t.firstByte == nil {
                wait = min(wait, t.firstByteDeadline > now ? Int((t.firstByteDeadline - now) / 1_000_000) + 1 : 0)
            }
            // Work queued by this thread's own tasks (it sent itself no wake-up).
            if !shared.inbox.withLock({ $0.isEmpty }) { wait = 0 }
            let count = epoll_wait(events.epoll, &ready, Int32(ready.count), Int32(min(wait, 1_000)))
            for i in 0..<max(0, Int(count)) {
                let fd = ready[i].data.fd
                if fd == shared.wakeFD {
                    var value: eventfd_t = 0
                    _ = eventfd_read(fd, &value)
                    continue
                }
                if events.isLetGo(fd) { continue }
                let flags = ready[i].events
                var action: Int32 = 0
                if flags & EPOLLIN.rawValue != 0 { action |= CURL_CSELECT_IN }
                if flags & EPOLLOUT.rawValue != 0 { action |= CURL_CSELECT_OUT }
                if flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { action |= CURL_CSELECT_ERR }
                curl_multi_socket_action(m, fd, action, &stillRunning)
            }
            if let deadline = events.timerDeadline, Monotonic.now() >= deadline {
                events.timerDeadline = nil
                curl_multi_socket_action(m, abtop_CURL_SOCKET_TIMEOUT, 0, &stillRunning)
            }

            var queued: Int32 = 0
            while let message = curl_multi_info_read(m, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let code = message.pointee.data.result
                var privatePointer: UnsafeMutableRawPointer?
                _ = abtop_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &privatePointer)
                guard let privatePointer else { continue }
                let t = Unmanaged<Transfer>.fromOpaque(privatePointer).takeUnretainedValue()
                active[t.id] = nil
                curl_multi_remove_handle(m, easy)
                t.complete(code: code)
            }
            // libcurl has no first-byte timeout of its own: enforce it here.
            let later = Monotonic.now()
            for (id, t) in active where t.firstByte == nil && later >= t.firstByteDeadline {
                active[id] = nil
                curl_multi_remove_handle(m, t.easy)
                t.complete(failure: ProviderError(kind: .timeout,
                    message: "no response within the first-byte timeout (\(t.timeouts.firstByte) s)"))
            }
        }
    }
}

/// The loop's epoll set and curl's timer, reached from libcurl's socket and timer callbacks. Loop thread only.
private final class SocketEvents: @unchecked Sendable {
    let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
    /// Sockets in the epoll set and the events asked for (0: curl let go of it, but it stays in the set).
    private var registered: [Int32: UInt32] = [:]
    /// When curl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)` called; nil for never.
    var timerDeadline: UInt64?

    /// curl's socket callback. A kept-alive connection is let go of after each transfer and taken up by the
    /// next with the same events: the socket stays in the epoll set meanwhile, so reuse costs no syscall; one
    /// that reports an event while let go of is removed then (`isLetGo`).
    func watch(_ socket: Int32, _ what: Int32) {
        if what == CURL_POLL_REMOVE {
            if registered[socket] != nil { registered[socket] = 0 }
            return
        }
        var event = epoll_event()
        if what & CURL_POLL_IN != 0 { event.events |= EPOLLIN.rawValue }
        if what & CURL_POLL_OUT != 0 { event.events |= EPOLLOUT.rawValue }
        event.data.fd = socket
        if let current = registered[socket], current == event.events { return }
        if registered.updateValue(event.events, forKey: socket) == nil {
            if epoll_ctl(epoll, EPOLL_CTL_ADD, socket, &event) != 0 { epoll_ctl(epoll, EPOLL_CTL_MOD, socket, &event) }
        } else if epoll_ctl(epoll, EPOLL_CTL_MOD, socket, &event) != 0 {
            epoll_ctl(epoll, EPOLL_CTL_ADD, socket, &event)
        }
    }

    /// A socket curl let go of: its events are not curl's business. It leaves the set (an idle connection the
    /// server closed would otherwise wake the loop forever).
    func isLetGo(_ socket: Int32) -> Bool {
        guard registered[socket] == 0 else { return false }
        registered[socket] = nil
        epoll_ctl(epoll, EPOLL_CTL_DEL, socket, nil)
        return true
    }

    func watchWake(_ fd: Int32) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = fd
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
    }

    /// curl's timer: -1 stops it, 0 means "call me now", else milliseconds from now.
    func setTimer(_ ms: Int) {
        timerDeadline = ms < 0 ? nil : Monotonic.now() + UInt64(ms) * 1_000_000
    }

    func close() {
        _ = Glibc.close(epoll)
    }
}

/// One transfer: its easy handle and what comes back. Touched by the loop thread only, from `configure` to
/// `complete`, which hands the result to the waiting task.
private final class Transfer: @unchecked Sendable {
    let spec: HTTPRequestSpec
    let timeouts: TransportTimeouts
    let sink: any TransferSink
    let start: UInt64
    let firstByteDeadline: UInt64
    var id = 0
    var continuation: CheckedContinuation<TransferResult, Never>?
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

    deinit {
        errorBuffer.deallocate()
    }

    init(spec: HTTPRequestSpec, timeouts: TransportTimeouts, sink: any TransferSink, start: UInt64) {
        self.spec = spec
        self.timeouts = timeouts
        self.sink = sink
        self.start = start
        self.firstByteDeadline = start &+ UInt64(max(0, timeouts.firstByte) * 1e9)
    }

    /// Creates and sets up the easy handle; false if libcurl refused.
    func configure(pool: EasyPool, headers: HeaderLists) -> Bool {
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
        if spec.method == "POST" {
            _ = abtop_easy_setopt_long(easy, CURLOPT_POST, 1)
            _ = abtop_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(spec.body.count))
            _ = spec.body.withUnsafeBytes { raw in
                abtop_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        } else if spec.method != "GET" {
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
        if firstByte == nil { firstByte = Monotonic.now() }
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D || line[end - 1] == 0x20 { end -= 1 }
        if end == 0 {
            if let status, status >= 200 { deliverHead() }
            return
        }
        let bytes = UnsafeRawBufferPointer(rebasing: line[0..<end])
        if bytes.count > 5, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[4] == UInt8(ascii: "/") {
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
              let name = Self.keptHeaders.first(where: { Self.sameName(bytes, colon, $0.bytes) })?.name else { return }
        var valueStart = colon + 1
        while valueStart < bytes.count, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
        headers[name] = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart...]), as: UTF8.self)
    }

    /// The response headers anyone reads (retry hints, the body's type, the provider's request id); the others
    /// are not turned into strings at all.
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
        if firstByte == nil { firstByte = Monotonic.now() }
        deliverHead()
        bytes += data.count
        return sink.receivedBody(data)
    }

    /// Ends the transfer with libcurl's result.
    func complete(code: CURLcode) {
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
        guard !completed else { return }
        completed = true
        let result = TransferResult(status: status, headers: headers, failure: failure, start: start,
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

/// Header lists built once per header set (`HTTPRequestSpec.headerSetID`) and shared by every transfer that
/// sends it, instead of a list built and freed per request. Loop thread only; freed at shutdown.
private final class HeaderLists: @unchecked Sendable {
    private var lists: [Int: UnsafeMutablePointer<curl_slist>] = [:]

    /// The list for `spec`, and whether the caller must free it (a spec with no set id, or the cache is full).
    func list(for spec: HTTPRequestSpec) -> (list: UnsafeMutablePointer<curl_slist>?, owned: Bool) {
        if let id = spec.headerSetID, let cached = lists[id] { return (cached, false) }
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in spec.headers {
            list = curl_slist_append(list, "\(name): \(value.exposedForTransport())")
        }
        list = curl_slist_append(list, "Expect:")
        guard let id = spec.headerSetID, lists.count < 4096, let list else { return (list, true) }
        lists[id] = list
        return (list, false)
    }

    func drain() {
        for list in lists.values { curl_slist_free_all(list) }
        lists.removeAll()
    }
}

/// Easy handles kept for reuse (reset between transfers), so a request costs no handle allocation and setup
/// from scratch. Owned by the loop thread.
private final class EasyPool: @unchecked Sendable {
    private var idle: [UnsafeMutableRawPointer] = []

    func take() -> UnsafeMutableRawPointer? {
        if let easy = idle.popLast() {
            curl_easy_reset(easy)
            return easy
        }
        return curl_easy_init()
    }

    func give(_ easy: UnsafeMutableRawPointer) {
        if idle.count < 1024 { idle.append(easy) } else { curl_easy_cleanup(easy) }
    }

    func drain() {
        for easy in idle { curl_easy_cleanup(easy) }
        idle.removeAll()
    }
}
