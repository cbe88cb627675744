import Hummingbird
import NIOCore

/// The request context of the simulated providers: keeps the connection's channel, so a `disconnect` fault can
/// reset it (RST) rather than close it politely, and the moment the request arrived, from which every planned
/// delay is counted (routing and body parsing must not add to the simulated latency).
struct MockRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    let arrival: NIODeadline

    init(source: ApplicationRequestContextSource) {
        self.arrival = NIODeadline.now()
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
