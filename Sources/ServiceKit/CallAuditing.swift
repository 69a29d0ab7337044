public import AWSProtocol
public import Identity
import Synchronization

/// A service's part in its calls' CloudTrail records, where the request and response alone do
/// not say it. Every method has a default that adds nothing.
public protocol CallAuditing: Sendable {
    /// The resources a change names, read before it runs (an alias being deleted still names
    /// its key), as ARNs.
    func resourcesBefore(operation: String, input: JSONValue?, caller: Caller) -> [String]
    /// The record's `resources`: what the call acted on.
    func resources(_ call: AuditContext) -> [(type: String, name: String)]
    /// Adjusts the recorded request parameters (already redacted of secrets).
    func requestParameters(_ parameters: inout [String: JSONValue], _ call: AuditContext)
    /// Overrides the recorded `responseElements` (nil keeps what the traits allow).
    func responseElements(_ call: AuditContext) -> JSONValue?
    /// The record's `additionalEventData`.
    func additionalEventData(_ call: AuditContext) -> JSONValue?
    /// The records a successful call also makes in other regions of the caller's account, as AWS
    /// writes them (KMS's ReplicateKey is a CreateKey in the replica's region too).
    func otherRegionRecords(_ call: AuditContext) -> [RegionalRecord]
}

/// A record of a call in another region than the caller's: the call's own record with another
/// region, event name, resources and response elements.
public struct RegionalRecord: Sendable {
    public var region: String
    public var eventName: String
    public var resources: [(type: String, name: String)]
    public var responseElements: JSONValue?

    public init(
        region: String, eventName: String, resources: [(type: String, name: String)], responseElements: JSONValue? = nil
    ) {
        self.region = region
        self.eventName = eventName
        self.resources = resources
        self.responseElements = responseElements
    }
}

/// What a record is made from, for a service's `CallAuditing`.
public struct AuditContext: Sendable {
    public var operation: String
    public var caller: Caller
    public var input: JSONValue?
    public var response: JSONValue?
    public var failed: Bool
    /// What `resourcesBefore` found.
    public var touched: [String]
    /// What the service noted while it ran (`CallNotes`).
    public var noted: [String]

    public init(
        operation: String, caller: Caller, input: JSONValue?, response: JSONValue?, failed: Bool, touched: [String],
        noted: [String]
    ) {
        self.operation = operation
        self.caller = caller
        self.input = input
        self.response = response
        self.failed = failed
        self.touched = touched
        self.noted = noted
    }
}

extension CallAuditing {
    public func resourcesBefore(operation: String, input: JSONValue?, caller: Caller) -> [String] { [] }
    public func resources(_ call: AuditContext) -> [(type: String, name: String)] { [] }
    public func requestParameters(_ parameters: inout [String: JSONValue], _ call: AuditContext) {}
    public func responseElements(_ call: AuditContext) -> JSONValue? { nil }
    public func additionalEventData(_ call: AuditContext) -> JSONValue? { nil }
    public func otherRegionRecords(_ call: AuditContext) -> [RegionalRecord] { [] }
}

/// What a call turned out to act on, noted by the service for the trail where the request
/// alone does not say it (the key behind an alias being deleted, behind a grant token). The
/// edge sets `current` around a change; the service notes under its own lock, so what is
/// noted is what the change really touched.
public final class CallNotes: Sendable {
    @TaskLocal public static var current: CallNotes?

    private let arns = Mutex<[String]>([])

    public init() {}

    /// Notes the ARN of a resource the call acted on.
    public func acted(on arn: String) {
        arns.withLock { if !$0.contains(arn) { $0.append(arn) } }
    }

    public var resourceArns: [String] {
        arns.withLock { $0 }
    }
}
