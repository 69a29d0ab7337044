import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// The TLS version and cipher suite of each open connection, by channel, for the audit trail.
final class TLSSessions: Sendable {
    private let sessions = Mutex<[ObjectIdentifier: NegotiatedTLS]>([:])

    func negotiated(_ channel: ObjectIdentifier) -> NegotiatedTLS? {
        sessions.withLock { $0[channel] }
    }

    func record(_ negotiated: NegotiatedTLS, for channel: ObjectIdentifier) {
        sessions.withLock { $0[channel] = negotiated }
    }

    func forget(_ channel: ObjectIdentifier) {
        _ = sessions.withLock { $0.removeValue(forKey: channel) }
    }
}

/// Wraps the TLS child channel: a handler on the network side of TLS reads the server's
/// ServerHello as it leaves, and files what was negotiated under the connection.
struct TLSDetailsChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let sessions: TLSSessions

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let id = ObjectIdentifier(channel)
        let sessions = self.sessions
        channel.closeFuture.whenComplete { _ in sessions.forget(id) }
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ServerHelloObserver(sessions: sessions, channel: id))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension TLSDetailsChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}

/// Sees the first bytes the server writes (the ServerHello record) and passes everything on.
final class ServerHelloObserver: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A ServerHello fits in one record; past that, give up.
    static let limit = 5 + 16_384
    private let sessions: TLSSessions
    private let channel: ObjectIdentifier
    private var seen: [UInt8] = []
    private var done = false

    init(sessions: TLSSessions, channel: ObjectIdentifier) {
        self.sessions = sessions
        self.channel = channel
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !done {
            let buffer = unwrapOutboundIn(data)
            seen.append(contentsOf: buffer.readableBytesView.prefix(Self.limit - seen.count))
            if let negotiated = TLSServerHello.parse(seen) {
                sessions.record(negotiated, for: channel)
                done = true
            } else if seen.count >= Self.limit || seen.first.map({ $0 != 22 }) == true {
                done = true
            }
            if done { seen = [] }
        }
        context.write(data, promise: promise)
    }
}
