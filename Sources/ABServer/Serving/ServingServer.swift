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

    /// Starts listening (port 0: an ephemeral port) and returns once it does.
    public static func start(_ configuration: Configuration, registry: ServingRegistry,
                             stopOnSignals: Bool = false) async throws -> RunningServer {
        var logger = Logger(label: "abtop.serve")
        logger.logLevel = .error
        let responder = ServingResponder(registry: registry, token: configuration.token)
        return try await RunningServer.start(host: configuration.host, requestedPort: configuration.port, logger: logger,
                                             stopOnSignals: stopOnSignals) { onListening in
            Application(
                responder: CallbackResponder<BasicRequestContext> { request, context in
                    await responder.respond(request, context)
                },
                configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                     serverName: "abtop", backlog: 1024),
                onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
                logger: logger)
        }
    }
}
