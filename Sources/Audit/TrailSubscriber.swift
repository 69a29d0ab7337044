/// Something that consumes the trail: EventBridge (rules over CloudTrail events), Config
/// (configuration items from changes). It receives every record after it is durably committed
/// and complete, in commit order, in batches.
///
/// Delivery is at least once: the subscriber's cursor (its `name`) is stored after each batch
/// it takes, so a subscriber that was down, or a server killed between a batch and its cursor,
/// resumes from the stored cursor and may see that last batch again. A subscriber that throws
/// gets the same batch again on the next round.
public protocol TrailSubscriber: Sendable {
    /// The durable cursor's name; unique among subscribers.
    var name: String { get }
    func deliver(_ events: [CloudTrailEvent]) async throws
    /// Whether the subscriber wants the records of read-only calls now; asked before each round.
    /// One that answers false is handed only the records of changes, and its cursor moves past
    /// the rest unread.
    func wantsReadOnlyRecords() async -> Bool
}

extension TrailSubscriber {
    public func wantsReadOnlyRecords() async -> Bool { true }
}
