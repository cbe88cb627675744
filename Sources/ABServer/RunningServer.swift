import Hummingbird
import Logging
import ServiceLifecycle

/// A Hummingbird application running in this process, in a service group of its own: the mock providers, or
/// the serving endpoint. `stop()` shuts it down gracefully and waits.
public final class RunningServer: Sendable {
    public let host: String
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(host: String, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.host = host
        self.port = port
        self.group = group
        self.task = task
    }

    /// Shuts down gracefully (requests in flight finish), cutting them off after `grace` seconds: a process that
    /// is quitting (the demo's embedded providers after `q`) must not wait on an answer nobody will read.
    public func stop(grace: Double = 30) async {
        await group.triggerGracefulShutdown()
        let task = self.task
        let deadline = Task {
            try await Task.sleep(for: .seconds(grace))
            task.cancel()
        }
        _ = try? await task.value
        deadline.cancel()
    }

    /// Returns when the server stopped (by `stop()` or, if asked for at start, SIGINT / SIGTERM).
    public func wait() async {
        _ = try? await task.value
    }

    /// Starts the application `make` builds (handing it the callback that reports the bound port) and returns
    /// once it listens. A failed bind throws rather than waiting forever.
    static func start<App: ApplicationProtocol>(
        host: String, requestedPort: Int, logger: Logger, stopOnSignals: Bool,
        _ make: (@escaping @Sendable (Int) -> Void) -> App
    ) async throws -> RunningServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = make { port in continuation.yield(port) }
        let group = ServiceGroup(
            configuration: .init(
                services: [app],
                gracefulShutdownSignals: stopOnSignals ? [.sigint, .sigterm] : [],
                logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            _ = try? await task.value
            throw ServerStartError(host: host, port: requestedPort)
        }
        return RunningServer(host: host, port: port, group: group, task: task)
    }
}

public struct ServerStartError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int

    public var description: String { "could not listen on \(host):\(port) (is the port taken?)" }
}
