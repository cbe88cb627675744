import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// Hummingbird's HTTP/1 connections, each handled on one of `executors` in turn (`abtop serve` passes its
/// transport's loops). A request is then parsed, routed, sent to the provider, read and answered on one thread:
/// the finished transfer resumes its handler where the loop already is, with no thread to wake, and a streamed
/// answer is relayed from the thread that reads it. The connection moves to its loop once, when it opens; with
/// no executors it stays where Hummingbird puts it.
struct LoopHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let executors: [any TaskExecutor]
    let turn: Turn

    /// The next executor's index, shared by every connection.
    final class Turn: Sendable {
        let next = Atomic<Int>(0)
    }

    static func builder(_ configuration: HTTP1Channel.Configuration, executors: [any TaskExecutor]) -> HTTPServerBuilder
    {
        HTTPServerBuilder { responder in
            LoopHTTP1Channel(
                inner: HTTP1Channel(responder: responder, configuration: configuration), executors: executors,
                turn: Turn())
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try RequestTargetMarker.add(to: channel)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        guard !executors.isEmpty else { return await inner.handle(value: value, logger: logger) }
        let executor = executors[turn.next.add(1, ordering: .relaxed).oldValue % executors.count]
        await withTaskExecutorPreference(executor) { await inner.handle(value: value, logger: logger) }
    }
}
