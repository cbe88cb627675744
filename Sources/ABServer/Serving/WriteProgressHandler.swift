import NIOCore

/// Closes a connection whose client stops reading: once the bytes waiting for the client pass NIO's high
/// watermark (64 KiB beyond what the kernel holds) the channel turns unwritable, and if it is still unwritable
/// `timeout` later the connection is closed. The answer's writer then fails, which cancels the request upstream,
/// and the connection's slot under `--max-connections` is free again.
///
/// Hummingbird's idle timeout never runs while an answer is being written, so without this a client that sends a
/// streamed request and never reads holds its connection (and the answer's memory) for as long as it likes. A slow
/// reader that still drains the buffer turns the channel writable again, which restarts the clock.
final class WriteProgressHandler: ChannelInboundHandler, RemovableChannelHandler {
    /// Reads pass through untouched: only the writability events matter here.
    typealias InboundIn = NIOAny

    let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            timer?.cancel()
            timer = nil
        } else if timer == nil {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                let context = bound.value
                guard !context.channel.isWritable else { return }
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }
}
