public import Foundation
import Synchronization

/// Where every time rule reads the time: deletion windows, rotation schedules, import expiry,
/// token expiry, SigV4 skew. Injected, so tests and `serve --dev-clock` can move it.
public protocol ServiceClock: Sendable {
    var now: Date { get }
}

/// The machine's clock.
public struct SystemClock: ServiceClock {
    public init() {}
    public var now: Date { Date() }
}

/// The machine's clock plus an offset that only moves forward: `serve --dev-clock`, and tests.
public final class AdjustableClock: ServiceClock {
    private let base: any ServiceClock
    private let offset = Mutex<TimeInterval>(0)

    public init(base: any ServiceClock = SystemClock()) {
        self.base = base
    }

    public var now: Date { base.now.addingTimeInterval(offset.withLock { $0 }) }

    /// Moves the clock forward by `seconds` (never back: time rules assume it is monotonic).
    public func advance(by seconds: TimeInterval) {
        precondition(seconds >= 0, "the clock only moves forward")
        offset.withLock { $0 += seconds }
    }

    public var offsetSeconds: TimeInterval { offset.withLock { $0 } }
}

/// A clock that stands still until told to move: for unit tests.
public final class ManualClock: ServiceClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) {
        current = Mutex(start)
    }

    public var now: Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
