import ABCore
import ABProviders

/// Sends HTTP requests for the engine. `CurlTransport` is the real one; tests script their own, so the engine's
/// retries, fallbacks, breaker and cancellation are tested with no server.
public protocol Transport: Sendable {
    /// Sends `spec`, streaming the response into `sink`; returns when the transfer ends. `start` stamps the
    /// beginning (an open-loop caller passes the intended send time); cancelling the task cancels the transfer.
    func perform(
        _ spec: HTTPRequestSpec, timeouts: TransportTimeouts, sink: any TransferSink,
        start: UInt64?
    ) async -> TransferResult
    /// Executors whose threads the transport runs on: a load runs its request tasks there, so a finished transfer
    /// resumes its task with no thread hop. Empty: tasks run on the global executor.
    var executors: [any TaskExecutor] { get }
    /// The one of `executors` whose thread is calling, if any: a task started there stays there.
    var callerExecutor: (any TaskExecutor)? { get }
    /// Ends every transfer in flight (as cancelled) and refuses new ones.
    func shutdown()
}

/// Timeouts of one transfer, in seconds.
public struct TransportTimeouts: Sendable, Equatable {
    public var connect: Double
    /// From the start until the first byte of the response.
    public var firstByte: Double
    public var total: Double

    public init(connect: Double = 5, firstByte: Double = 30, total: Double = 120) {
        self.connect = connect
        self.firstByte = firstByte
        self.total = total
    }

    public init(_ t: AbtopSettings.Timeouts) {
        self.init(connect: t.connect, firstByte: t.firstByte, total: t.total)
    }
}

/// Receives a transfer's response as it arrives, on the transport's thread: keep the work small.
public protocol TransferSink: AnyObject, Sendable {
    /// The final status and the headers abtop reads (names lower-cased; see `CurlTransport`), once the header
    /// block is complete.
    func receivedHead(status: Int, headers: [String: String])
    /// A piece of the body; false stops the transfer there (libcurl ends it as a write error), so a sink that
    /// read enough of a runaway answer does not keep downloading it.
    func receivedBody(_ bytes: UnsafeRawBufferPointer) -> Bool
}

/// How a transfer ended, with its monotonic stamps.
public struct TransferResult: Sendable {
    public var status: Int?
    public var headers: [String: String]
    /// Nil when the HTTP exchange completed (whatever its status).
    public var failure: ProviderError?
    public var start: UInt64
    public var firstByte: UInt64?
    public var end: UInt64
    public var bytesReceived: Int

    public init(
        status: Int?, headers: [String: String], failure: ProviderError?, start: UInt64, firstByte: UInt64?,
        end: UInt64, bytesReceived: Int
    ) {
        self.status = status
        self.headers = headers
        self.failure = failure
        self.start = start
        self.firstByte = firstByte
        self.end = end
        self.bytesReceived = bytesReceived
    }
}

extension Transport {
    /// A transport without threads of its own (tests' scripted ones) has none.
    public var callerExecutor: (any TaskExecutor)? { nil }
}
