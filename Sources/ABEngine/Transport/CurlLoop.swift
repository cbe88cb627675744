import ABCore
import ABProviders
import CCurl
import Synchronization

/// What the callers and a loop thread share: the multi handle and the inbox of work for the loop.
final class LoopShared: Sendable {
    let multi: MultiHandle
    let inbox = Mutex<Inbox>(Inbox())
    /// Written to wake the loop (new work, a cancel, shutdown).
    let wakeSignal = WakeSignal()
    /// Set while a wake-up is pending: under load, many requests share one eventfd write.
    let wakePending = Atomic<Bool>(false)
    /// The loop thread, which needs no wake-up: it looks at the inbox before it waits.
    let loopThread = Atomic<UInt>(0)

    init(multi: MultiHandle) {
        self.multi = multi
    }

    var isLoopThread: Bool { loopThread.load(ordering: .relaxed) == ThreadConfinement.current }

    func wake() {
        if isLoopThread { return }
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) { wakeSignal.post() }
    }
}

/// Work handed to a loop by other threads.
struct Inbox {
    var adds: [Transfer] = []
    var cancels: [Int] = []
    /// Tasks to run on the loop thread (see `CurlTransport.executor`).
    var jobs: [UnownedJob] = []
    var stopping = false
    /// The loop has ended: jobs go to the global executor instead.
    var ended = false
    var nextID = 0

    var isEmpty: Bool { adds.isEmpty && cancels.isEmpty && jobs.isEmpty && !stopping }
}

/// Runs tasks on a loop thread: jobs queue in the inbox and run between socket events.
final class LoopExecutor: TaskExecutor {
    let shared: LoopShared

    init(shared: LoopShared) {
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

/// A raw curl multi pointer, owned by the loop thread after `init`.
struct MultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

/// One loop: a thread driving its multi handle through libcurl's event interface (`curl_multi_socket_action` on
/// an epoll set, woken through an eventfd) rather than `curl_multi_poll`, so each wake-up touches only the sockets
/// that are ready. Made and run on its thread; every member is that thread's alone.
final class CurlLoop {
    private let shared: LoopShared
    private let executor: UnownedTaskExecutor
    private let multi: UnsafeMutableRawPointer
    private let pool = EasyPool()
    private let headerLists = HeaderLists()
    private let events = SocketEvents()
    private var active: [Int: Transfer] = [:]
    private var stillRunning: Int32 = 0
    private var ready = Poller.buffer(512)
    private let confinement = ThreadConfinement()

    /// Runs the loop for `shared` on the calling thread until the transport shuts down.
    static func run(_ shared: LoopShared, executor: LoopExecutor) {
        shared.loopThread.store(ThreadConfinement.current, ordering: .relaxed)
        CurlLoop(shared: shared, executor: executor.asUnownedTaskExecutor()).run()
        shared.loopThread.store(0, ordering: .relaxed)
    }

    private init(shared: LoopShared, executor: UnownedTaskExecutor) {
        self.shared = shared
        self.executor = executor
        self.multi = shared.multi.pointer
        let eventsPointer = Unmanaged.passUnretained(events).toOpaque()
        _ = abtop_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, eventsPointer)
        _ = abtop_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, eventsPointer)
        _ = abtop_multi_setopt_socketfunction(multi) { _, socket, what, user, _ in
            Unmanaged<SocketEvents>.fromOpaque(user!).takeUnretainedValue().watch(socket, what)
            return 0
        }
        _ = abtop_multi_setopt_timerfunction(multi) { _, timeoutMs, user in
            Unmanaged<SocketEvents>.fromOpaque(user!).takeUnretainedValue().setTimer(Int(timeoutMs))
            return 0
        }
        events.poller.watch(shared.wakeSignal.fd, .read, isNew: true)
    }

    private func run() {
        confinement.check()
        while true {
            // Clear before draining: a request queued after the drain wakes the loop again.
            shared.wakePending.store(false, ordering: .sequentiallyConsistent)
            let (jobs, stoppingNow) = shared.inbox.withLock { box in
                defer { box.jobs.removeAll(keepingCapacity: true) }
                return (box.jobs, box.stopping)
            }
            // Tasks first: they queue transfers, which are added below in this same turn.
            if !stoppingNow {
                for job in jobs { job.runSynchronously(on: executor) }
            }
            let (adds, cancels, stopping) = shared.inbox.withLock { box in
                defer {
                    box.adds.removeAll()
                    box.cancels.removeAll()
                }
                return (box.adds, box.cancels, box.stopping)
            }
            add(adds)
            cancel(cancels)
            if stopping {
                stop(running: stoppingNow ? jobs : [])
                return
            }
            waitForEvents()
            finishDone()
            expireFirstByte()
        }
    }

    private func add(_ transfers: [Transfer]) {
        for t in transfers {
            if t.configure(pool: pool, headers: headerLists) {
                active[t.id] = t
                curl_multi_add_handle(multi, t.easy)
            } else {
                t.complete(
                    failure: ProviderError(kind: .connect, message: "could not set up the transfer to \(t.spec.url)"))
            }
        }
    }

    private func cancel(_ ids: [Int]) {
        for id in ids {
            guard let t = active.removeValue(forKey: id) else { continue }
            curl_multi_remove_handle(multi, t.easy)
            t.complete(failure: ProviderError(kind: .cancelled, message: "cancelled"))
        }
    }

    /// Ends every transfer as cancelled, frees every curl handle, and hands tasks still waiting for this thread
    /// (`running`: the jobs of this turn, not run) to the global executor.
    private func stop(running jobs: [UnownedJob]) {
        for t in active.values {
            curl_multi_remove_handle(multi, t.easy)
            t.complete(failure: ProviderError(kind: .cancelled, message: "the transport is shut down"))
        }
        // Late adds were refused once `stopping` was set; drain any that raced in before it.
        for t in shared.inbox.withLock({ box in
            defer { box.adds.removeAll() }
            return box.adds
        }) {
            t.complete(failure: ProviderError(kind: .cancelled, message: "the transport is shut down"))
        }
        pool.drain()
        curl_multi_cleanup(multi)
        headerLists.drain()
        events.poller.close()
        // Tasks that prefer this executor carry on on the global one.
        let stranded = shared.inbox.withLock { box -> [UnownedJob] in
            box.ended = true
            defer { box.jobs.removeAll() }
            return box.jobs
        }
        for job in jobs + stranded { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// Waits for ready sockets, the wake-up, curl's timer or the next first-byte deadline, and hands what is ready
    /// to libcurl.
    private func waitForEvents() {
        let now = Monotonic.now()
        var wait = events.timerDeadline.map { $0 > now ? Int(($0 - now) / 1_000_000) + 1 : 0 } ?? 1_000
        for t in active.values where t.firstByte == nil {
            wait = min(wait, t.firstByteDeadline > now ? Int((t.firstByteDeadline - now) / 1_000_000) + 1 : 0)
        }
        // Work queued by this thread's own tasks (it sent itself no wake-up).
        if !shared.inbox.withLock({ $0.isEmpty }) { wait = 0 }
        events.poller.wait(milliseconds: min(wait, 1_000), buffer: &ready) { fd, reported in
            if fd == shared.wakeSignal.fd {
                shared.wakeSignal.drain()
                return
            }
            if events.isLetGo(fd) { return }
            var action: Int32 = 0
            if reported.contains(.read) { action |= CURL_CSELECT_IN }
            if reported.contains(.write) { action |= CURL_CSELECT_OUT }
            if !reported.isDisjoint(with: .failed) { action |= CURL_CSELECT_ERR }
            curl_multi_socket_action(multi, fd, action, &stillRunning)
        }
        if let deadline = events.timerDeadline, Monotonic.now() >= deadline {
            events.timerDeadline = nil
            curl_multi_socket_action(multi, abtop_CURL_SOCKET_TIMEOUT, 0, &stillRunning)
        }
    }

    /// Completes the transfers libcurl says are done.
    private func finishDone() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            var privatePointer: UnsafeMutableRawPointer?
            _ = abtop_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &privatePointer)
            guard let privatePointer else { continue }
            let t = Unmanaged<Transfer>.fromOpaque(privatePointer).takeUnretainedValue()
            active[t.id] = nil
            curl_multi_remove_handle(multi, easy)
            t.complete(code: code)
        }
    }

    /// libcurl has no first-byte timeout of its own: enforced here.
    private func expireFirstByte() {
        let now = Monotonic.now()
        for (id, t) in active where t.firstByte == nil && now >= t.firstByteDeadline {
            active[id] = nil
            curl_multi_remove_handle(multi, t.easy)
            t.complete(
                failure: ProviderError(
                    kind: .timeout,
                    message: "no response within the first-byte timeout (\(t.timeouts.firstByte) s)"))
        }
    }
}

/// The loop's epoll set and curl's timer, reached from libcurl's socket and timer callbacks. Loop thread only.
final class SocketEvents {
    let poller = Poller()
    /// Sockets in the epoll set and the events asked for (empty: curl let go of it, but it stays in the set).
    private var registered: [Int32: Poller.Interest] = [:]
    /// When curl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)` called; nil for never.
    var timerDeadline: UInt64?
    private let confinement = ThreadConfinement()

    /// curl's socket callback. A kept-alive connection is let go of after each transfer and taken up by the
    /// next with the same events: the socket stays in the epoll set meanwhile, so reuse costs no syscall; one
    /// that reports an event while let go of is removed then (`isLetGo`).
    func watch(_ socket: Int32, _ what: Int32) {
        confinement.check()
        if what == CURL_POLL_REMOVE {
            if registered[socket] != nil { registered[socket] = [] }
            return
        }
        var interest: Poller.Interest = []
        if what & CURL_POLL_IN != 0 { interest.insert(.read) }
        if what & CURL_POLL_OUT != 0 { interest.insert(.write) }
        if let current = registered[socket], current == interest { return }
        let isNew = registered.updateValue(interest, forKey: socket) == nil
        poller.watch(socket, interest, isNew: isNew)
    }

    /// A socket curl let go of: its events are not curl's business. It leaves the set (an idle connection the
    /// server closed would otherwise wake the loop forever).
    func isLetGo(_ socket: Int32) -> Bool {
        guard registered[socket] == [] else { return false }
        registered[socket] = nil
        poller.remove(socket)
        return true
    }

    /// curl's timer: -1 stops it, 0 means "call me now", else milliseconds from now.
    func setTimer(_ ms: Int) {
        timerDeadline = ms < 0 ? nil : Monotonic.now() + UInt64(ms) * 1_000_000
    }
}
