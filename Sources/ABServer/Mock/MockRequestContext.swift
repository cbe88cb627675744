import Hummingbird
import NIOCore

/// The request context of the simulated providers: keeps the connection's channel, so a `disconnect` fault can
/// reset it (RST) rather than close it politely.
struct MockRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
