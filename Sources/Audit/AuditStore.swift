public import Foundation

/// A LookupEvents filter: one attribute, as AWS allows.
public struct LookupAttribute: Sendable, Hashable {
    public enum Key: String, Sendable, CaseIterable {
        case eventId = "EventId"
        case eventName = "EventName"
        case readOnly = "ReadOnly"
        case username = "Username"
        case resourceType = "ResourceType"
        case resourceName = "ResourceName"
        case eventSource = "EventSource"
        case accessKeyId = "AccessKeyId"
    }

    public var key: Key
    public var value: String

    public init(key: Key, value: String) {
        self.key = key
        self.value = value
    }
}

/// Where LookupEvents resumes: the last event returned.
public struct LookupCursor: Sendable, Hashable {
    public var eventTime: Date
    public var eventId: String

    public init(eventTime: Date, eventId: String) {
        self.eventTime = eventTime
        self.eventId = eventId
    }
}

/// Persistence for the trail. `append` commits before it returns.
public protocol AuditStore: Sendable {
    func append(_ batch: AuditEventBatch) async throws
    /// Replaces a committed event's record and resources with `event`'s (same event id).
    func amend(_ event: CloudTrailEvent) async throws
    /// Newest first, after `cursor`, at most `limit`.
    func lookup(
        accountId: String, region: String, attribute: LookupAttribute?, start: Date?, end: Date?, after cursor: LookupCursor?,
        limit: Int
    ) async throws -> [CloudTrailEvent]
    /// Every event, oldest first, for export.
    func allEvents() async throws -> [CloudTrailEvent]
    /// Deletes events older than `date`; returns how many.
    func prune(before date: Date) async throws -> Int

    /// Records committed after `sequence`, in commit order, at most `limit`; only the records of
    /// changes (not read-only calls) when `changesOnly`. A record's sequence is its place in the
    /// store's commit order (SQL: the row id).
    func events(after sequence: Int64, limit: Int, changesOnly: Bool) async throws -> [SequencedEvent]
    /// The sequence of the newest committed record; 0 when there is none.
    func latestSequence() async throws -> Int64
    /// Where a trail subscriber stopped; nil for one never seen.
    func subscriberCursor(_ name: String) async throws -> Int64?
    func setSubscriberCursor(_ name: String, to sequence: Int64) async throws

    /// The account's trails, each with the event selectors put on it.
    func trails(accountId: String) async throws -> [CloudTrailTrail]
    /// Stores the trail's configuration; its event selectors are kept as they are.
    func putTrail(_ trail: CloudTrailTrail) async throws
    /// Sets a trail's event selectors; false when there is no such trail.
    func putEventSelectors(
        _ selectors: TrailEventSelectors, accountId: String, region: String, name: String
    )
        async throws -> Bool
    func deleteTrail(accountId: String, region: String, name: String) async throws
}

extension AuditStore {
    public func append(_ events: [CloudTrailEvent]) async throws {
        try await append(AuditEventBatch(events))
    }
}

/// A committed record and its place in the commit order.
public struct SequencedEvent: Sendable {
    public var sequence: Int64
    public var event: CloudTrailEvent

    public init(sequence: Int64, event: CloudTrailEvent) {
        self.sequence = sequence
        self.event = event
    }
}
