internal import Hummingbird
internal import NIOCore

/// The request context of every route: Hummingbird's, plus the peer's address, which the
/// rate limits on the auth routes key on.
struct DoorContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
