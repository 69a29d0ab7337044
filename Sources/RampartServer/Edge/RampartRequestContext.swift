public import Hummingbird
public import NIOCore

/// The request context: Hummingbird's core storage plus the peer's address, which becomes the
/// caller's `sourceIPAddress`, and the connection it came on.
public struct RampartRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The connection, to find what its TLS handshake negotiated.
    let connection: ObjectIdentifier

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.connection = ObjectIdentifier(source.channel)
    }

    /// The peer's IP address as text, or "127.0.0.1" when it is unknown (unit tests).
    public var sourceIP: String {
        remoteAddress?.ipAddress ?? "127.0.0.1"
    }
}
