import Synchronization

/// A lock for async code: one holder at a time, waiters served first come, first served.
/// Read-modify-write sequences that await (a store commit) hold it so that no other change
/// interleaves with theirs.
public final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }
    private let state = Mutex(State())

    public init() {}

    public func withLock<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        let acquired = state.withLock { s -> Bool in
            if !s.locked {
                s.locked = true
                return true
            }
            return false
        }
        if acquired { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if !s.locked {
                    s.locked = true
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.head < s.waiters.count {
                let c = s.waiters[s.head]
                s.head += 1
                if s.head > 64 && s.head * 2 > s.waiters.count {
                    s.waiters.removeFirst(s.head)
                    s.head = 0
                }
                return c  // ownership passes to the waiter; `locked` stays true
            }
            s.locked = false
            return nil
        }
        next?.resume()
    }
}
