import ABCore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `abtop serve` over HTTP: the Databricks serving-endpoints REST subset, the invocations route, OpenAI's
/// `/v1/chat/completions` and `/v1/models`, and `/metrics`, in front of a `ServingRegistry`.
public enum ServingServer {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Required as `Authorization: Bearer <token>` when set (binding beyond loopback needs one).
        public var token: String?

        public init(host: String = "127.0.0.1", port: Int = 8080, token: String? = nil) {
            self.host = host
            self.port = port
            self.token = token
        }
    }

    /// A server started in-process; `stop()` shuts it down and waits for it.
    public final class Running: Sendable {
        public let port: Int
        private let group: ServiceGroup
        private let task: Task<Void, any Error>

        init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
            self.port = port
            self.group = group
            self.task = task
        }

        public func stop() async {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }

        /// Returns when the server stopped (by `stop()` or, if asked for at start, SIGINT / SIGTERM).
        public func wait() async {
            _ = try? await task.value
        }
    }

    /// Starts listening (port 0: an ephemeral port) and returns once it does.
    public static func start(_ configuration: Configuration, registry: ServingRegistry,
                             stopOnSignals: Bool = false) async throws -> Running {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "abtop.serve")
        logger.logLevel = .error
        let responder = ServingResponder(registry: registry, token: configuration.token)
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, context in
                await responder.respond(request, context)
            },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                 serverName: "abtop", backlog: 1024),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: stopOnSignals ? [.sigint, .sigterm] : [],
                                                      logger: logger))
        let task = Task {
            // A failed bind ends the stream, so the wait below ends too.
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            _ = try? await task.value
            throw ServingServerError.didNotStart(host: configuration.host, port: configuration.port)
        }
        return Running(port: port, group: group, task: task)
    }
}

public enum ServingServerError: Error, CustomStringConvertible {
    case didNotStart(host: String, port: Int)

    public var description: String {
        switch self {
        case .didNotStart(let host, let port): "could not listen on \(host):\(port) (is the port taken?)"
        }
    }
}
