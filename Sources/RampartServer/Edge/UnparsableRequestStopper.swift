import NIOCore
import NIOHTTP1

/// Stops reading a connection as soon as NIO's HTTP decoder cannot parse what it sent (a head
/// past the size limits, a malformed line). After such an error the decoder throws away whatever
/// else arrives, but the channel kept reading: a client streaming an endless header line was
/// read, and discarded, as fast as it sent (one CI run measured 1.4 GB/s) until the idle
/// timeout. Hummingbird still answers 400 and closes its side; the idle timeout closes the rest.
final class UnparsableRequestStopper: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError || error is ByteToMessageDecoderError {
            do {
                guard let options = context.channel.syncOptions else { throw ChannelError.operationUnsupported }
                try options.setOption(ChannelOptions.autoRead, value: false)
            } catch {
                context.close(promise: nil)
            }
        }
        context.fireErrorCaught(error)
    }
}
