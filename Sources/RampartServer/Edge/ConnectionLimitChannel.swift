import Glibc
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// How many connections may be open at once: the open-files limit less a reserve for the store,
/// the runtime and accept bursts. A process out of descriptors fails badly (libdispatch aborts
/// when it cannot open `/proc`), so connections past the cap are closed as soon as accepted.
final class ConnectionLimit: Sendable {
    let capacity: Int
    private let open = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The cap for the current open-files limit: an eighth of it, and at least 96, held back.
    static func forDescriptorLimit() -> ConnectionLimit {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            return ConnectionLimit(capacity: 1024)
        }
        let soft = Int(clamping: min(limit.rlim_cur, 1 << 20))
        return ConnectionLimit(capacity: soft - max(96, soft / 8))
    }

    var openConnections: Int { open.load(ordering: .relaxed) }

    /// Takes a place for a new connection; false when every place is taken.
    func admit() -> Bool {
        if open.wrappingAdd(1, ordering: .relaxed).newValue <= capacity { return true }
        open.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Counts a refusal; true for the first and then every 1,000th, so a flood is logged sparingly.
    func noteRefusal() -> Bool {
        refused.wrappingAdd(1, ordering: .relaxed).newValue % 1000 == 1
    }
}

/// Wraps a child channel: a connection past the limit is closed before anything is read from it;
/// the others hold their place until they close.
struct ConnectionLimitChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let limit: ConnectionLimit

    struct Refused: Error {}

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard limit.admit() else {
            if limit.noteRefusal() {
                logger.warning(
                    "connection limit reached: closing new connections until some close",
                    metadata: ["limit": "\(limit.capacity)"])
            }
            // The server drops a child whose setup failed; closing it is ours to do.
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(Refused())
        }
        let limit = self.limit
        channel.closeFuture.whenComplete { _ in limit.release() }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension ConnectionLimitChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}
