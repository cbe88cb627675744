import CCurl  // its shim also declares epoll and eventfd (sys/epoll.h, sys/eventfd.h)
import Glibc

// The Linux-only calls of the transport (epoll, eventfd, pthread ids), in one place: a port to another system
// (kqueue, a pipe) replaces this file.

/// An epoll set: which sockets are ready, waiting at most a timeout.
struct Poller {
    let fd = epoll_create1(Int32(EPOLL_CLOEXEC))

    /// What a socket is watched for, and what it reported.
    struct Interest: OptionSet {
        let rawValue: UInt32
        static let read = Interest(rawValue: EPOLLIN.rawValue)
        static let write = Interest(rawValue: EPOLLOUT.rawValue)
        /// Reported only: an error or a hang-up on the socket.
        static let failed = Interest(rawValue: EPOLLERR.rawValue | EPOLLHUP.rawValue)
    }

    /// Watches `socket` for `interest` (adds it, or changes what it is watched for).
    func watch(_ socket: Int32, _ interest: Interest, isNew: Bool) {
        var event = epoll_event()
        event.events = interest.rawValue
        event.data.fd = socket
        let (first, second) = isNew ? (EPOLL_CTL_ADD, EPOLL_CTL_MOD) : (EPOLL_CTL_MOD, EPOLL_CTL_ADD)
        if epoll_ctl(fd, first, socket, &event) != 0 { epoll_ctl(fd, second, socket, &event) }
    }

    func remove(_ socket: Int32) {
        epoll_ctl(fd, EPOLL_CTL_DEL, socket, nil)
    }

    /// Waits up to `milliseconds` for ready sockets; calls `ready` with each and what it reported.
    func wait(milliseconds: Int, buffer: inout [epoll_event], _ ready: (Int32, Interest) -> Void) {
        let count = epoll_wait(fd, &buffer, Int32(buffer.count), Int32(milliseconds))
        for i in 0..<max(0, Int(count)) { ready(buffer[i].data.fd, Interest(rawValue: buffer[i].events)) }
    }

    static func buffer(_ count: Int) -> [epoll_event] { [epoll_event](repeating: epoll_event(), count: count) }

    func close() { _ = Glibc.close(fd) }
}

/// An eventfd: any thread writes it to wake the loop waiting in its `Poller`.
struct WakeSignal: Sendable {
    let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))

    func post() { _ = eventfd_write(fd, 1) }

    /// Reads the pending wake-ups so the next wait blocks again.
    func drain() {
        var value: eventfd_t = 0
        _ = eventfd_read(fd, &value)
    }
}

/// The thread an object was made on. Loop-confined objects (curl handles and what points into them) hold one
/// and check it on every use: a debug build traps at the first call from another thread; a release build pays
/// nothing.
struct ThreadConfinement {
    private let owner = pthread_self()

    func check(_ what: StaticString = #function, file: StaticString = #fileID, line: UInt = #line) {
        assert(pthread_equal(owner, pthread_self()) != 0, "\(what) called off its loop thread", file: file, line: line)
    }

    /// The calling thread, as a number to compare.
    static var current: UInt { UInt(pthread_self()) }
}
