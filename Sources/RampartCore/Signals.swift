import Synchronization

/// Wakes waiters by key without polling a store: SQS's long polls (keyed by queue: a send, a
/// visibility change, a redrive may have made a message available) and the event services'
/// delivery loops (an outbox that was just written).
public final class Signals: Sendable {
    private struct State {
        var generation: [String: UInt64] = [:]
        var waiters: [String: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var cancelled: Set<UInt64> = []
        var nextId: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The key's signal count: read it before looking at the store, and pass it to `wait`,
    /// so a signal between the look and the wait is not missed.
    public func generation(_ queueId: String) -> UInt64 {
        state.withLock { $0.generation[queueId, default: 0] }
    }

    /// Wakes every waiter on the key.
    public func signal(_ queueId: String) {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.generation[queueId, default: 0] &+= 1
            return Array((s.waiters.removeValue(forKey: queueId) ?? [:]).values)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Wakes every waiter on a key that is gone (a deleted queue) and drops its count, so that the
    /// table holds only live keys.
    public func forget(_ queueId: String) {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.generation.removeValue(forKey: queueId)
            return Array((s.waiters.removeValue(forKey: queueId) ?? [:]).values)
        }
        for continuation in woken { continuation.resume() }
    }

    /// How many keys have a count (for tests).
    public var tracked: Int { state.withLock { $0.generation.count } }

    /// Waits for a signal on the key after `generation`, or for `timeout`, whichever is first.
    public func wait(_ queueId: String, after generation: UInt64, timeout: Duration) async {
        guard timeout > .zero else { return }
        let id = state.withLock { s -> UInt64 in
            s.nextId &+= 1
            return s.nextId
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
            }
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let resumeNow = self.state.withLock { s -> Bool in
                            if s.cancelled.remove(id) != nil || s.generation[queueId, default: 0] != generation { return true }
                            s.waiters[queueId, default: [:]][id] = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    let continuation = self.state.withLock { s -> CheckedContinuation<Void, Never>? in
                        if let c = s.waiters[queueId]?.removeValue(forKey: id) {
                            if s.waiters[queueId]?.isEmpty == true { s.waiters[queueId] = nil }
                            return c
                        }
                        s.cancelled.insert(id)
                        return nil
                    }
                    continuation?.resume()
                }
            }
            await group.next()
            group.cancelAll()
        }
        // A cancellation that came after the waiter was woken leaves its mark: clear it.
        _ = state.withLock { $0.cancelled.remove(id) }
    }
}
