import ABCore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The simulated providers as an HTTP server on one port: OpenAI at `/v1/chat/completions`, Anthropic at
/// `/v1/messages`, Cohere at `/v2/chat`, Bedrock at `/model/{id}/converse[-stream]`, Vertex AI's Gemini at
/// `/v1/projects/…/models/{model}:generateContent` with its OAuth token endpoint at `/token`. Runs in-process (the demo, the tests) or as `abtop mock-server`.
public enum MockServer {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var profiles: MockProfileSet
        public var seed: UInt64
        /// Profiles a test changes while the server runs (they replace `profiles` when given).
        public var live: MockProfiles?

        public init(
            host: String = "127.0.0.1", port: Int = 0, profiles: MockProfileSet = MockProfileSet(),
            seed: UInt64 = 0, live: MockProfiles? = nil
        ) {
            self.host = host
            self.port = port
            self.profiles = profiles
            self.seed = seed
            self.live = live
        }
    }

    public typealias Running = RunningServer

    /// Starts the server on `configuration.port` (0: an ephemeral port) and returns once it listens.
    public static func start(_ configuration: Configuration) async throws -> RunningServer {
        let logger = ServerLogHandler.logger("abtop.mock")
        return try await RunningServer.start(
            host: configuration.host, requestedPort: configuration.port, logger: logger,
            stopOnSignals: false
        ) { onListening in
            application(configuration, logLevel: .error, onListening: onListening)
        }
    }

    /// Runs until SIGINT or SIGTERM; `onListening` gets the port once the server listens.
    public static func run(
        _ configuration: Configuration,
        onListening: @escaping @Sendable (Int) -> Void
    ) async throws {
        let app = application(configuration, logLevel: .warning, onListening: onListening)
        let group = ServiceGroup(
            configuration: .init(
                services: [app], gracefulShutdownSignals: [.sigint, .sigterm],
                logger: Logger(label: "abtop.mock")))
        try await group.run()
    }

    static func application(
        _ configuration: Configuration, logLevel: Logger.Level,
        onListening: @escaping @Sendable (Int) -> Void
    ) -> some ApplicationProtocol {
        let responder = MockResponder(
            planner: MockPlanner(
                live: configuration.live ?? MockProfiles(configuration.profiles), seed: configuration.seed))
        let router = Router(context: MockRequestContext.self)
        router.post("/v1/chat/completions") { request, context in try await responder.openAI(request, context) }
        router.post("/chat/completions") { request, context in try await responder.openAI(request, context) }
        router.post("/v1/messages") { request, context in try await responder.anthropic(request, context) }
        router.post("/v2/chat") { request, context in try await responder.cohere(request, context) }
        router.post("/v2/embed") { request, context in try await responder.cohereEmbed(request, context) }
        router.post("/v1/embeddings") { request, context in try await responder.openAIEmbeddings(request, context) }
        router.post("/embeddings") { request, context in try await responder.openAIEmbeddings(request, context) }
        router.post("/v1/completions") { request, context in try await responder.openAICompletions(request, context) }
        router.post("/completions") { request, context in try await responder.openAICompletions(request, context) }
        router.post("/model/:model/invoke") { request, context in try await responder.bedrockInvoke(request, context) }
        router.post("/model/:model/converse") { request, context in
            try await responder.bedrock(request, context, stream: false)
        }
        router.post("/model/:model/converse-stream") { request, context in
            try await responder.bedrock(request, context, stream: true)
        }
        router.post("/v1/projects/:project/locations/:location/publishers/google/models/:call") { request, context in
            try await responder.gemini(request, context)
        }
        router.post("/token") { request, context in try await responder.token(request, context) }
        router.get("/health") { _, _ in "ok" }
        let logger = ServerLogHandler.logger("abtop.mock", level: logLevel)
        return Application(
            router: router,
            server: .http1(configuration: HTTPLimits().http1),
            configuration: HTTPLimits().application(
                host: configuration.host, port: configuration.port,
                serverName: "abtop-mock"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}

extension RunningServer {
    /// The OpenAI SDK's base URL (with `/v1`) of the simulated providers.
    public var openAIBaseURL: String { "http://\(host):\(port)/v1" }
    /// The Anthropic SDK's base URL (the root) of the simulated providers.
    public var anthropicBaseURL: String { "http://\(host):\(port)" }
}
