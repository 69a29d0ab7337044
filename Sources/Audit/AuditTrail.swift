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
    /// One hand-off to subscribers at a time (the round and the change-woken hand-off).
    private let delivering = AsyncLock()
    /// Signalled when a change's record is complete, so subscribers get it at once rather than
    /// at the next round.
    private let committed = Signals()
    private static let committedKey = "committed"
    /// Trail subscribers, and where each stands.
    private let subscribers = Mutex<[Subscription]>([])
    /// Changes whose record may already be committed but is not complete yet (the outcome is
    /// amended after the change commits): delivery to subscribers stops short of them.
    private let inFlight = Mutex<Set<String>>([])
    /// How many records one delivery round hands a subscriber at most.
    static let deliveryBatch = 500
    /// Records that may wait for a failing store before calls are refused.
    private let maxWaiting: Int
    private let refusing = Mutex(false)
    /// Per account, the trails that decide which data events are recorded (`selectsDataEvent`).
    private let selections = Mutex(Selections())

    public init(
        store: any AuditStore, logger: Logger, interval: Duration = .milliseconds(500), retentionDays: Int = 90,
        maxWaiting: Int = 50_000, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.maxWaiting = maxWaiting
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
                let waiting = pending.withLock { p -> Int in
                    p.append(event)
                    return p.count
                }
                refuseCallsIfBacklogged(waiting)
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
        defer {
            _ = inFlight.withLock { $0.remove(pending.event.eventId) }
            if subscribers.withLock({ !$0.isEmpty }) { committed.signal(Self.committedKey) }
        }
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

    /// Past the bound, new calls are refused until the store takes records again: no call goes
    /// unrecorded, and memory does not grow without end (Vault's rule when no audit device can
    /// record).
    private func refuseCallsIfBacklogged(_ waiting: Int) {
        guard waiting >= maxWaiting else { return }
        let wasRefusing = refusing.withLock { r -> Bool in
            defer { r = true }
            return r
        }
        if !wasRefusing {
            logger.critical(
                "the audit store keeps failing: calls are refused until it takes records again",
                metadata: ["waiting": "\(waiting)"])
        }
    }

    /// Whether new calls must be refused: records could not be stored and `maxWaiting` of them
    /// wait in memory. Calls already running still record (their records are kept).
    public var isRefusingCalls: Bool { refusing.withLock { $0 } }

    /// How many records wait in memory for the store (for tests and metrics).
    public var waitingCount: Int { pending.withLock { $0.count } }

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
                if refusing.withLock({ $0 }) {
                    refusing.withLock { $0 = false }
                    logger.notice("the audit store takes records again; calls are served again")
                }
            } catch {
                let kept = pending.withLock { p -> Int in
                    var kept = batch
                    kept.append(contentsOf: p)
                    p = kept
                    return p.count
                }
                logger.error("writing audit records failed; keeping them for the next flush", metadata: ["count": "\(kept)"])
                refuseCallsIfBacklogged(kept)
            }
        }
    }

    /// Notes a change's record that will be completed by `finish`: subscribers see it only then.
    public func track(_ pending: PendingAuditRecord) {
        _ = inFlight.withLock { $0.insert(pending.event.eventId) }
    }

    struct Subscription: Sendable {
        let subscriber: any TrailSubscriber
        /// The last sequence delivered; read from the store on the first round.
        var cursor: Int64?
    }

    /// Adds a subscriber; call before `run`. One that was never seen starts after the newest
    /// record committed when it first runs.
    public func subscribe(_ subscriber: any TrailSubscriber) {
        subscribers.withLock { $0.append(Subscription(subscriber: subscriber, cursor: nil)) }
    }

    /// Reads where each subscriber stands, placing one never seen after the newest record; call
    /// before the server takes calls, so that a new subscriber misses none made after it.
    public func startSubscribers() async throws {
        let count = subscribers.withLock { $0.count }
        for index in 0..<count {
            let name = subscribers.withLock { $0[index].subscriber.name }
            let cursor: Int64
            if let stored = try await store.subscriberCursor(name) {
                cursor = stored
            } else {
                cursor = try await store.latestSequence()
                try await store.setSubscriberCursor(name, to: cursor)
            }
            subscribers.withLock { $0[index].cursor = cursor }
        }
    }

    /// Hands each subscriber the complete records committed since its cursor, in commit order.
    /// One hand-off runs at a time.
    public func deliver() async {
        await delivering.withLock { await deliverNow() }
    }

    private func deliverNow() async {
        let count = subscribers.withLock { $0.count }
        for index in 0..<count {
            var subscription = subscribers.withLock { $0[index] }
            let name = subscription.subscriber.name
            do {
                var cursor: Int64
                if let known = subscription.cursor {
                    cursor = known
                } else if let stored = try await store.subscriberCursor(name) {
                    cursor = stored
                } else {
                    cursor = try await store.latestSequence()
                    try await store.setSubscriberCursor(name, to: cursor)
                }
                let changesOnly = await !subscription.subscriber.wantsReadOnlyRecords()
                while true {
                    // Every record up to `latest` is committed (one writer), so a subscriber that
                    // takes changes only may move past the read-only records before it.
                    let latest = try await store.latestSequence()
                    let batch = try await store.events(
                        after: cursor, limit: Self.deliveryBatch, changesOnly: changesOnly)
                    let open = inFlight.withLock { $0 }
                    let complete = batch.prefix { !open.contains($0.event.eventId) }
                    if batch.isEmpty, latest < cursor {
                        // Every record was pruned and the numbering began again: start over.
                        cursor = 0
                        continue
                    }
                    let start = cursor
                    if let last = complete.last {
                        try await subscription.subscriber.deliver(complete.map(\.event))
                        cursor = last.sequence
                    }
                    let allComplete = complete.count == batch.count
                    let full = batch.count == Self.deliveryBatch
                    if changesOnly, allComplete, !full, latest > cursor { cursor = latest }
                    if cursor != start {
                        try await store.setSubscriberCursor(name, to: cursor)
                        subscription.cursor = cursor
                    }
                    if !allComplete || !full || cursor == start { break }
                }
                subscription.cursor = cursor
            } catch {
                logger.error(
                    "delivering trail records to a subscriber failed; the next round retries",
                    metadata: ["subscriber": .string(name)])
            }
            let kept = subscription
            subscribers.withLock { $0[index] = kept }
        }
    }

    public func run() async throws {
        // Only the wait is cut short by a stop: writes run in a task that is not cancelled, since
        // the store skips work for a cancelled task (a stop used to log a failed write, and the
        // records waited for the final flush).
        await withDiscardingTaskGroup { group in
            group.addTask { await self.deliverChangesAsCommitted() }
            while true {
                await cancelWhenGracefulShutdown { try? await Task.sleep(for: self.interval) }
                await flush()
                await deliver()
                if Task.isShuttingDownGracefully || Task.isCancelled {
                    // The stop may have come while this round flushed or delivered, after records
                    // taken since its flush began: one more flush writes them (the listener has
                    // stopped by now, so nothing comes after it).
                    await flush()
                    await deliver()
                    return
                }
                await pruneIfDue()
            }
        }
    }

    /// Hands subscribers a change's record as soon as it is complete (EventBridge sees a
    /// DisableKey in milliseconds, not at the next round); the round still hands them the
    /// group-committed records after each flush.
    private func deliverChangesAsCommitted() async {
        guard subscribers.withLock({ !$0.isEmpty }) else { return }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let generation = committed.generation(Self.committedKey)
            await cancelWhenGracefulShutdown {
                await self.committed.wait(Self.committedKey, after: generation, timeout: self.interval)
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            await deliver()
        }
    }

    /// The store, for trail configuration. Whoever changes a trail calls `trailsChanged`.
    public var trails: any AuditStore { store }

    /// Whether a trail of `accountId` records the data event `event`, made in `region`: one that
    /// applies to the region (its own, or any for a multi-Region trail), is logging, and whose
    /// selectors select it (as AWS logs data events only for trails that ask for them). On the
    /// hot path of every data call: the account's logging trails that can select data events
    /// are read from the store once and kept until `trailsChanged(accountId:)`; an account
    /// without any answers from memory. When the store cannot say, the event is recorded.
    public func selectsDataEvent(_ event: SelectableEvent, accountId: String, region: String) async -> Bool {
        let (cached, version) = selections.withLock { ($0.trails[accountId], $0.versions[accountId, default: 0]) }
        let trails: [DataEventTrail]
        if let cached {
            trails = cached
        } else {
            do {
                trails = try await store.trails(accountId: accountId).compactMap { trail in
                    guard trail.isLogging, trail.selectors.selectsDataEvents else { return nil }
                    return DataEventTrail(
                        region: trail.region, isMultiRegion: trail.isMultiRegionTrail, selectors: trail.selectors)
                }
            } catch {
                logger.error("reading trails' event selectors failed; recording the data event")
                return true
            }
            // Kept only if no trail of the account changed while they were read.
            selections.withLock { if $0.versions[accountId, default: 0] == version { $0.trails[accountId] = trails } }
        }
        return trails.contains { ($0.isMultiRegion || $0.region == region) && $0.selectors.selects(event) }
    }

    /// Forgets what `selectsDataEvent` keeps of the account's trails: call after a trail of the
    /// account is created, deleted, started, stopped or given selectors.
    public func trailsChanged(accountId: String) {
        selections.withLock {
            $0.trails[accountId] = nil
            $0.versions[accountId, default: 0] += 1
        }
    }

    /// A logging trail whose selectors can select data events.
    struct DataEventTrail: Sendable {
        var region: String
        var isMultiRegion: Bool
        var selectors: TrailEventSelectors
    }

    struct Selections: Sendable {
        var trails: [String: [DataEventTrail]] = [:]
        /// Bumped by each change of an account's trails, so a read that raced a change is not kept.
        var versions: [String: Int] = [:]
    }

    public func lookup(
        accountId: String, region: String, attribute: LookupAttribute?, start: Date?, end: Date?, after cursor: LookupCursor?,
        limit: Int
    ) async throws -> [CloudTrailEvent] {
        await flush()
        return try await store.lookup(
            accountId: accountId, region: region, attribute: attribute, start: start, end: end, after: cursor, limit: limit)
    }
}
