import ABCore
import ABProviders
import CCurl
import Foundation
import Synchronization

/// The HTTP client: loops (two by default), each a thread driving its own libcurl multi handle with any number of
/// transfers in flight, reusing connections (HTTP/2 multiplexing where offered), with connect, first-byte and
/// total timeouts, cancellation, and TLS verification on. libcurl is touched only in this folder: this file (the
/// callers' side), `CurlLoop` (a loop thread), `CurlTransfer` (one transfer's easy handle) and `CurlHandles` (the
/// handle pool and shared header lists); the Linux calls they need are in `Platform+Linux`.
public final class CurlTransport: Transport {
    /// One or more loops, each a thread with its own multi handle.
    private let loops: [(shared: LoopShared, executor: LoopExecutor)]
    private let nextLoop = Atomic<Int>(0)

    /// Runs tasks on the first loop's thread, between its socket events. A request task that prefers a loop's
    /// executor (`withTaskExecutorPreference`, `addTask(executorPreference:)`) builds, sends and records its
    /// requests on that thread: a finished transfer resumes its task there, with no thread to wake and no context
    /// switch, which under load cost more CPU than the rest of the engine's work per request.
    public var executor: any TaskExecutor { loops[0].executor }

    /// Every loop's executor: a load spreads its tasks over them, so one loop reads answers while another's
    /// requests are with the provider.
    public var executors: [any TaskExecutor] { loops.map(\.executor) }

    public init(maxConnections: Int = 1024, loops count: Int = 2) {
        _ = CurlTransport.globalInit
        loops = (0..<max(1, count)).map { i in
            let handle = curl_multi_init()!
            _ = abtop_multi_setopt_long(handle, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX)
            _ = abtop_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, maxConnections)
            let shared = LoopShared(multi: MultiHandle(pointer: handle))
            let executor = LoopExecutor(shared: shared)
            let loop = Thread { CurlLoop.run(shared, executor: executor) }
            loop.name = "abtop-curl-\(i)"
            loop.start()
            return (shared, executor)
        }
    }

    /// The executor of the loop whose thread is calling (nil elsewhere).
    public var callerExecutor: (any TaskExecutor)? { loops.first { $0.shared.isLoopThread }?.executor }

    /// The loop for a new transfer: the one whose thread is asking (a task running on a loop stays there), else
    /// the next in turn.
    private func loopForCaller() -> LoopShared {
        if let own = loops.first(where: { $0.shared.isLoopThread }) { return own.shared }
        return loops[nextLoop.add(1, ordering: .relaxed).oldValue % loops.count].shared
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// libcurl's version, e.g. "7.88.1", and whether it speaks HTTP/2.
    public static var version: (string: String, http2: Bool) {
        (String(cString: abtop_curl_version_string()), abtop_curl_has_http2() != 0)
    }

    /// Sends `spec`, streaming the response into `sink`; returns when the transfer ends. `start` stamps the
    /// beginning (an open-loop caller passes the intended send time); cancelling the task cancels the transfer.
    public func perform(
        _ spec: HTTPRequestSpec, timeouts: TransportTimeouts, sink: any TransferSink,
        start: UInt64? = nil
    ) async -> TransferResult {
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
            transfer.cancelRequested.store(true, ordering: .relaxed)
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
}
