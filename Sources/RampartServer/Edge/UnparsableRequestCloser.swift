import NIOCore
import NIOHTTP1

/// Closes a connection as soon as NIO's HTTP decoder cannot parse what it sent (a head past the
/// size limits, a malformed line). After such an error the decoder throws away whatever else
/// arrives but the channel keeps reading, so a client streaming an endless header line would be
/// read, and discarded, as fast as it sends until the idle timeout.
final class UnparsableRequestCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError || error is ByteToMessageDecoderError {
            context.close(promise: nil)
        }
        context.fireErrorCaught(error)
    }
}
