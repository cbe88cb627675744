import ABCore
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import ABServer

/// A task executor with one thread of its own, standing in for the transport's loop that `abtop serve` hands
/// `ServingServer.start`.
final class OneThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [UnownedJob] = []
    private let thread = Mutex<pthread_t?>(nil)

    init() {
        Thread { [unowned self] in self.run() }.start()
    }

    /// Whether the caller runs on this executor's thread (thread names are not reliable on Linux).
    var isCurrent: Bool { thread.withLock { $0.map { pthread_equal($0, pthread_self()) != 0 } ?? false } }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        thread.withLock { $0 = pthread_self() }
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let jobs = queue
            queue.removeAll()
            condition.unlock()
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}

/// Makes fake runtimes and notes whether each endpoint was made on `executor`'s thread.
final class ThreadNotingFactory: EndpointRuntimeFactory {
    let fake: FakeFactory
    let executor: OneThreadExecutor
    let madeOnExecutor = Mutex<[Bool]>([])

    init(executor: OneThreadExecutor, script: @escaping @Sendable (Invocation) -> [InvocationEvent]) {
        self.executor = executor
        fake = FakeFactory(gap: .milliseconds(1), script: script)
    }

    func make(config: EndpointConfig, configText: String, metrics: EndpointMetrics) throws -> any EndpointRuntime {
        madeOnExecutor.withLock { $0.append(executor.isCurrent) }
        return try fake.make(config: config, configText: configText, metrics: metrics)
    }
}

@Suite struct ServingExecutorTests {
    /// A model call is handled on the executor serve is given (the transport's loop: no thread hop between the
    /// request, the engine and the transfer); creating an endpoint (a journal write) is not, so it never holds up
    /// the loop's transfers.
    @Test func modelCallsRunOnTheGivenExecutorAndAdministrationDoesNot() async throws {
        let executor = OneThreadExecutor()
        let calledOnExecutor = Mutex<[Bool]>([])
        let factory = ThreadNotingFactory(executor: executor) { invocation in
            calledOnExecutor.withLock { $0.append(executor.isCurrent) }
            return FakeFactory.echo(invocation)
        }
        let registry = ServingRegistry(factory: factory)
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload()))
        let server = try await ServingServer.start(.init(port: 0), registry: registry, executors: [executor])
        let body = #"{"messages":[{"role":"user","content":"hi"}]}"#
        for stream in [false, true] {
            let r = await RawHTTP.post(
                port: server.port, path: "/serving-endpoints/mix/invocations", headers: [:],
                body: stream ? #"{"stream":true,"messages":[{"role":"user","content":"hi"}]}"# : body)
            #expect(r.status == 200)
        }
        #expect(calledOnExecutor.withLock { $0 } == [true, true])
        let created = await RawHTTP.post(
            port: server.port, path: "/api/2.0/serving-endpoints", headers: [:],
            body: ServingFixtures.payload(name: "second"))
        #expect(created.status == 200)
        // The first endpoint was made before the server started (here, on the test's thread); the second by a
        // REST call, off the loop.
        #expect(factory.madeOnExecutor.withLock { $0 } == [false, false])
        await server.stop()
    }
}

extension ServingExecutorTests {
    /// Connections take the loops in turn, so a load spreads over all of them; every request of a connection stays
    /// on its loop.
    @Test func connectionsTakeTheLoopsInTurn() async throws {
        let loops = [OneThreadExecutor(), OneThreadExecutor()]
        let calledOn = Mutex<[Int]>([])
        let registry = ServingRegistry(
            factory: ThreadNotingFactory(executor: loops[0]) { invocation in
                calledOn.withLock { $0.append(loops.firstIndex { $0.isCurrent } ?? -1) }
                return FakeFactory.echo(invocation)
            })
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload()))
        let server = try await ServingServer.start(.init(port: 0), registry: registry, executors: loops)
        for _ in 0..<4 {
            // One connection per request (RawHTTP sends `Connection: close`).
            let r = await RawHTTP.post(
                port: server.port, path: "/serving-endpoints/mix/invocations", headers: [:],
                body: #"{"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(r.status == 200)
        }
        await server.stop()
        #expect(calledOn.withLock { $0 }.sorted() == [0, 0, 1, 1])
    }
}

@Suite struct ServingPiecesOnTheHotPathTests {
    /// The bearer token is read byte by byte on every request: the scheme in any case, blanks around the token
    /// dropped, anything else no token at all.
    @Test func bearerTokensAreReadLikeTheSpecSays() {
        #expect(ServingResponder.token(ofBearer: "Bearer abc") == "abc")
        #expect(ServingResponder.token(ofBearer: "bEaReR \t abc  ") == "abc")
        #expect(ServingResponder.token(ofBearer: "BEARER sk-ünïcode") == "sk-ünïcode")
        #expect(ServingResponder.token(ofBearer: "Bearer  ") == "")
        #expect(ServingResponder.token(ofBearer: "Bearer ") == nil)
        #expect(ServingResponder.token(ofBearer: "Bearerabc") == nil)
        #expect(ServingResponder.token(ofBearer: "Basic abcdefgh") == nil)
        #expect(ServingResponder.token(ofBearer: "Bëarer abc") == nil)
    }

    /// The servers' logger keeps a request's metadata as given and lets only errors through.
    @Test func theServersLoggerKeepsMetadataAndWritesOnlyErrors() {
        var logger = ServerLogHandler.logger("abtop.test")
        logger[metadataKey: "hb.request.id"] = "7"
        #expect(logger[metadataKey: "hb.request.id"] == "7")
        #expect(logger.logLevel == .error)
        #expect(ServerLogHandler.logger("abtop.test", level: .warning).logLevel == .warning)
    }

    /// A relay takes what already arrived with its first piece, without waiting, and nothing twice.
    @Test func eventsAlreadyWaitingAreTakenAtOnceAndOnlyOnce() async {
        let events = InvocationEvents()
        #expect(events.available().isEmpty)
        events.push(.content(entity: 0, text: "a"))
        events.push(.content(entity: 0, text: "b"))
        #expect(await events.next() == .content(entity: 0, text: "a"))
        events.push(.finished(InvocationResult(entity: 0, text: "ab")))
        #expect(
            events.available() == [.content(entity: 0, text: "b"), .finished(InvocationResult(entity: 0, text: "ab"))])
        #expect(events.available().isEmpty)
        #expect(await events.next() == nil)
    }
}
