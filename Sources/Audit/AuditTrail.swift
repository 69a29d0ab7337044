public import Foundation
public import Logging
import RampartCore
public import ServiceLifecycle
import Synchronization

/// Records CloudTrail events. A change's record commits in the change's own transaction (see
/// `PendingAuditRecord`) and is complete before the call answers; records of reads and
/// cryptographic calls are group-committed every 500 milliseconds, and whatever is pending is
/// written when the service stops, so a clean stop loses none.
public final class AuditTrail: Service, Sendable {
    private let store: any AuditStore
    private let logger: Logger
    private let pending = Mutex(AuditEventBatch())
    private let interval: Duration
    /// How long events are kept (AWS's event history: 90 days), and the clock that ages them.
    private let retention: TimeInterval
    private let now: @Sendable () -> Date
    private let lastPrune = Mutex<Date?>(nil)
    /// One flush at a time, so a lookup's flush waits for the background one in flight.
    private let flushing = AsyncLock()

    public init(
        store: any AuditStore, logger: Logger, interval: Duration = .milliseconds(500), retentionDays: Int = 90,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.logger = logger
        self.interval = interval
        self.retention = TimeInterval(retentionDays) * 86_400
        self.now = now
    }

    /// Deletes events older than the retention period; runs at most once a minute of service time.
    public func pruneIfDue() async {
        let current = now()
        let due = lastPrune.withLock { last -> Bool in
            if let last, current.timeIntervalSince(last) < 60 { return false }
            last = current
            return true
        }
        guard due else { return }
        do {
            let removed = try await store.prune(before: current.addingTimeInterval(-retention))
            if removed > 0 { logger.info("pruned audit events past retention", metadata: ["count": "\(removed)"]) }
        } catch {
            logger.error("pruning audit events failed; retrying later")
        }
    }

    /// Records `event`; with `durable`, returns only once it is committed.
    public func record(_ event: CloudTrailEvent, durable: Bool) async {
        if durable {
            do {
                try await store.append([event])
            } catch {
                // Kept for the group commit, which retries until the store takes it.
                logger.error(
                    "writing an audit record failed; keeping it for the next flush",
                    metadata: ["event_id": .string(event.eventId)])
                pending.withLock { $0.append(event) }
            }
        } else {
            await enqueue { $0.append(event) }
        }
    }

    /// Records a read or cryptographic call, group-committed: its record is packed straight into
    /// the pending batch, without a `CloudTrailEvent` in between.
    public func record(_ call: AuditedCall, eventId: String) async {
        await enqueue { $0.append(call, eventId: eventId) }
    }

    /// Adds a record to the pending batch for the group commit.
    private func enqueue(_ add: (inout AuditEventBatch) -> Void) async {
        let backlog = pending.withLock { p -> Int in
            add(&p)
            return p.count
        }
        // Backpressure: past the high-water mark, callers help write, so memory stays bounded
        // however fast requests arrive.
        if backlog >= Self.highWaterMark { await flush() }
    }

    /// Records the final form of a change's call: when `pending` was committed with the change,
    /// its record is amended only if the outcome added to it; otherwise `event` is written now.
    /// Returns once the record is committed.
    public func finish(_ pending: PendingAuditRecord, as event: CloudTrailEvent) async {
        guard pending.isCommitted else { return await record(event, durable: true) }
        guard !event.sameRecord(as: pending.event) else { return }
        do {
            try await store.amend(event)
        } catch {
            logger.error("completing an audit record failed", metadata: ["event_id": .string(event.eventId)])
        }
    }

    /// How many group-committed records may wait in memory before callers wait for a flush.
    static let highWaterMark = 20_000

    /// Writes everything pending now; returns once every record taken before the call is committed.
    public func flush() async {
        await flushing.withLock {
            let batch = pending.withLock { p -> AuditEventBatch in
                // The next batch starts with room for one like this, so it does not grow by copies.
                defer { p = AuditEventBatch(reservingBytes: p.byteCount) }
                return p
            }
            guard !batch.isEmpty else { return }
            do {
                try await store.append(batch)
            } catch {
                logger.error(
                    "writing audit records failed; keeping them for the next flush", metadata: ["count": "\(batch.count)"])
                pending.withLock { p in
                    var kept = batch
                    kept.append(contentsOf: p)
                    p = kept
                }
            }
        }
    }

    public func run() async throws {
        // Only the wait is cut short by a stop: writes run in a task that is not cancelled, since
        // the store skips work for a cancelled task (a stop used to log a failed write, and the
        // records waited for the final flush).
        while true {
            await cancelWhenGracefulShutdown { try? await Task.sleep(for: self.interval) }
            await flush()
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            await pruneIfDue()
        }
    }

    /// The store, for trail configuration.
    public var trails: any AuditStore { store }

    public func lookup(
        accountId: String, region: String, attribute: LookupAttribute?, start: Date?, end: Date?, after cursor: LookupCursor?,
        limit: Int
    ) async throws -> [CloudTrailEvent] {
        await flush()
        return try await store.lookup(
            accountId: accountId, region: region, attribute: attribute, start: start, end: end, after: cursor, limit: limit)
    }
}
