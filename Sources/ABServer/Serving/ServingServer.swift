import ABCore
import Hummingbird
import HummingbirdCore
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
        /// Browser origins allowed to call serve besides its own (`--allow-origin`; `*` for any).
        public var allowedOrigins: [String]
        public var limits: HTTPLimits

        public init(
            host: String = "127.0.0.1", port: Int = 8080, token: String? = nil, allowedOrigins: [String] = [],
            limits: HTTPLimits = HTTPLimits()
        ) {
            self.host = host
            self.port = port
            self.token = token
            self.allowedOrigins = allowedOrigins
            self.limits = limits
        }
    }

    /// Starts listening (port 0: an ephemeral port) and returns once it does. With `executors` (the transport's
    /// loops), each connection is handled on one of them in turn (see `LoopHTTP1Channel`).
    public static func start(
        _ configuration: Configuration, registry: ServingRegistry,
        stopOnSignals: Bool = false, executors: [any TaskExecutor] = []
    ) async throws -> RunningServer {
        let logger = ServerLogHandler.logger("abtop.serve")
        let responder = ServingResponder(
            registry: registry, token: configuration.token,
            requestGuard: RequestGuard(
                bindHost: configuration.host,
                allowedOrigins: configuration.allowedOrigins),
            limits: configuration.limits)
        return try await RunningServer.start(
            host: configuration.host, requestedPort: configuration.port, logger: logger,
            stopOnSignals: stopOnSignals
        ) { onListening in
            Application(
                responder: CallbackResponder<BasicRequestContext> { request, context in
                    await responder.respond(request, context)
                },
                server: LoopHTTP1Channel.builder(configuration.limits.http1, executors: executors),
                configuration: configuration.limits.application(host: configuration.host, port: configuration.port),
                onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
                logger: logger)
        }
    }
}

extension HTTPLimits {
    /// Hummingbird's HTTP/1 settings for these limits: the idle timeout (which also bounds reading a head), and
    /// the write timeout for a client that stops reading its answer.
    var http1: HTTP1Channel.Configuration {
        let writeTimeout = TimeAmount.milliseconds(Int64(saturating: writeTimeout * 1000))
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [WriteProgressHandler(timeout: writeTimeout)],
            idleTimeout: TimeAmount.milliseconds(Int64(saturating: idleTimeout * 1000)))
    }

    /// The listener: a large backlog (loopback load tests open many connections at once) and the connection cap.
    func application(host: String, port: Int, serverName: String = "abtop") -> ApplicationConfiguration {
        ApplicationConfiguration(
            address: .hostname(host, port: port), serverName: serverName, backlog: 1024,
            availableConnectionsDelegate: MaximumAvailableConnections(maxConnections))
    }
}

extension Int64 {
    init(saturating value: Double) { self = Int64(Int(saturating: value)) }
}
