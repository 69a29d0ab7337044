import Synchronization

/// What a call turned out to act on, noted by the key service for the audit trail where the
/// request alone does not say it (the key behind an alias being deleted, behind a grant token).
/// The edge sets `current` around a call; the service notes under its write lock, so what is
/// noted is what the change really touched.
public final class KMSCallNotes: Sendable {
    @TaskLocal public static var current: KMSCallNotes?

    private let keys = Mutex<[String]>([])

    public init() {}

    /// Notes a key ARN the call acted on.
    public func acted(on keyArn: String) {
        keys.withLock { if !$0.contains(keyArn) { $0.append(keyArn) } }
    }

    public var keyArns: [String] {
        keys.withLock { $0 }
    }
}
