public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Records CloudTrail events. Records of changes are written before the call answers; records
/// of reads and cryptographic calls are group-committed every few milliseconds, and whatever is
/// pending is written when the service stops, so a clean stop loses none.
public final class AuditTrail: Service, Sendable {
    private let store: any AuditStore
    private let logger: Logger
    private let pending = Mutex<[CloudTrailEvent]>([])
    private let interval: Duration

    public init(store: any AuditStore, logger: Logger, interval: Duration = .milliseconds(20)) {
        self.store = store
        self.logger = logger
        self.interval = interval
    }

    /// Records `event`; with `durable`, returns only once it is committed.
    public func record(_ event: CloudTrailEvent, durable: Bool) async {
        if durable {
            do {
                try await store.append([event])
            } catch {
                logger.error("writing an audit record failed", metadata: ["event_id": .string(event.eventId)])
            }
        } else {
            pending.withLock { $0.append(event) }
        }
    }

    /// Writes everything pending now.
    public func flush() async {
        let batch = pending.withLock { p -> [CloudTrailEvent] in
            defer { p.removeAll(keepingCapacity: true) }
            return p
        }
        guard !batch.isEmpty else { return }
        do {
            try await store.append(batch)
        } catch {
            logger.error("writing audit records failed; keeping them for the next flush", metadata: ["count": "\(batch.count)"])
            pending.withLock { $0.insert(contentsOf: batch, at: 0) }
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.interval)
                await self.flush()
            }
        }
        await flush()
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
