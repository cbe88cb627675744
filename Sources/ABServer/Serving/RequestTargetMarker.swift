import NIOCore
import NIOHTTP1

/// Marks a request whose target is not a path. NIO's conversion to HTTP types keeps only the path of an
/// absolute-form target (`GET http://other.example/x` arrives as `/x`, with the Host header's authority), so the
/// guard could not tell it from a plain request; this handler sits before that conversion and adds a header the
/// guard refuses (`RequestGuard`: serve is not a proxy, and which host is meant is unclear).
final class RequestTargetMarker: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    static let header = "x-abtop-non-path-target"

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(var head) = unwrapInboundIn(data), !head.uri.hasPrefix("/"), head.uri != "*" {
            head.headers.replaceOrAdd(name: Self.header, value: "1")
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        }
        context.fireChannelRead(data)
    }

    /// Adds the marker right after the HTTP/1 request decoder of a channel Hummingbird set up.
    static func add(to channel: any Channel) throws {
        let decoder = try channel.pipeline.syncOperations.context(
            handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try channel.pipeline.syncOperations.addHandler(RequestTargetMarker(), position: .after(decoder.handler))
    }
}
