import Synchronization

/// The record of a change, handed to the store so that it commits in the change's own
/// transaction: a change is never on disk without its record.
///
/// The edge sets `current` around a call that may change state; the first transaction the call
/// commits takes the event and writes it alongside the change. A call that commits nothing
/// (refused, or read-only after all) leaves it waiting, and the edge records it by itself.
public final class PendingAuditRecord: Sendable {
    @TaskLocal public static var current: PendingAuditRecord?

    public let event: CloudTrailEvent
    private let state = Mutex(State.waiting)

    private enum State {
        case waiting, taken, committed
    }

    public init(_ event: CloudTrailEvent) {
        self.event = event
    }

    /// The event, for a transaction about to commit; nil once another transaction carries it.
    public func take() -> CloudTrailEvent? {
        state.withLock { state in
            guard state == .waiting else { return nil }
            state = .taken
            return event
        }
    }

    /// The transaction that took the event committed.
    public func committed() {
        state.withLock { $0 = .committed }
    }

    /// The transaction that took the event rolled back: the event waits again.
    public func rolledBack() {
        state.withLock { state in
            if state == .taken { state = .waiting }
        }
    }

    public var isCommitted: Bool {
        state.withLock { $0 == .committed }
    }
}
