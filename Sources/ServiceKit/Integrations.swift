public import AWSProtocol
public import Foundation
public import Identity
import Synchronization

/// How the services of one server reach each other without knowing each other's modules:
/// EventBridge delivering to a queue or a topic, SNS delivering to a queue, SNS asking KMS for
/// a data key on a publisher's behalf, KMS announcing its own events.
///
/// One value is shared by every service built from a `ServiceContext`. A service registers what
/// it offers while its descriptor is built; the others look it up when they deliver, so the
/// order of the service list does not matter.
public final class Integrations: Sendable {
    private let sinks = Mutex<[String: any MessageSink]>([:])
    private let keys = Mutex<(any DataKeyProvider)?>(nil)
    private let events = Mutex<[any ServiceEventSink]>([])
    private let logs = Mutex<(any LogEventSink)?>(nil)

    public init() {}

    /// Registers the receiver of messages sent to `service`'s resources (the service field of
    /// their ARNs: `sqs`, `sns`, `lambda`, `events`).
    public func register(_ sink: any MessageSink, for service: String) {
        sinks.withLock { $0[service] = sink }
    }

    /// The receiver of messages sent to the resource `arn`, by the service its ARN names.
    public func sink(for arn: String) -> (any MessageSink)? {
        let parts = arn.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "arn" else { return nil }
        let service = String(parts[2])
        return sinks.withLock { $0[service] }
    }

    /// Registers KMS, for services that encrypt under a customer's key.
    public func register(dataKeys provider: any DataKeyProvider) {
        keys.withLock { $0 = provider }
    }

    public var dataKeys: (any DataKeyProvider)? { keys.withLock { $0 } }

    /// Registers CloudWatch Logs, for services that write logs (functions' output).
    public func register(logs sink: any LogEventSink) {
        logs.withLock { $0 = sink }
    }

    public var logEvents: (any LogEventSink)? { logs.withLock { $0 } }

    /// Registers a receiver of the services' own events (EventBridge's default buses).
    public func register(events sink: any ServiceEventSink) {
        events.withLock { $0.append(sink) }
    }

    /// Hands a service's own event (`KMS CMK Rotation`, say) to every registered receiver.
    public func emit(_ event: ServiceEvent) async {
        for sink in events.withLock({ $0 }) { await sink.receive(event) }
    }
}

/// Receives messages for one service's resources from another service.
public protocol MessageSink: Sendable {
    /// Delivers `message` to the resource `arn` as `sender`: a service principal
    /// (`Caller.service("events.amazonaws.com", ...)` with `aws:SourceArn`), or a caller on whose
    /// behalf another service acts. The resource's own policy decides, as AWS's does; a refusal
    /// or a missing resource throws, never delivers.
    func deliver(_ message: DeliveredMessage, to arn: String, from sender: Caller) async throws(DeliveryFailure)
}

/// A message one service hands another: an SQS message body and attributes, an SNS Publish.
public struct DeliveredMessage: Sendable, Equatable {
    public var body: String
    public var attributes: [String: Attribute]
    /// For SNS targets: the Subject of the notification.
    public var subject: String?

    public init(body: String, attributes: [String: Attribute] = [:], subject: String? = nil) {
        self.body = body
        self.attributes = attributes
        self.subject = subject
    }

    /// A message attribute as SQS and SNS carry them.
    public struct Attribute: Sendable, Equatable {
        public var dataType: String
        public var stringValue: String?
        public var binaryValue: [UInt8]?

        public init(dataType: String, stringValue: String? = nil, binaryValue: [UInt8]? = nil) {
            self.dataType = dataType
            self.stringValue = stringValue
            self.binaryValue = binaryValue
        }

        public static func string(_ value: String) -> Attribute { Attribute(dataType: "String", stringValue: value) }
    }
}

/// Why a delivery did not happen: the receiving service's error code (`AccessDenied`,
/// `QueueDoesNotExist`, `NotFound`, `KMSAccessDenied`), its message, and whether trying again
/// later could succeed.
public struct DeliveryFailure: Error, Sendable, Equatable {
    public var code: String
    public var message: String
    public var retryable: Bool

    public init(code: String, message: String, retryable: Bool = false) {
        self.code = code
        self.message = message
        self.retryable = retryable
    }
}

/// KMS as other services use it to encrypt what they keep under a customer's key. Each call is
/// authorized as `caller` with `kms:ViaService` set to `<service>.<region>.amazonaws.com` (use
/// `caller.onBehalf(via:)`), and fails with KMS's own error when the key or its policy refuses.
public protocol DataKeyProvider: Sendable {
    /// A fresh 256-bit data key under `keyId` (an id, ARN or alias): its plaintext and its
    /// ciphertext blob.
    func generateDataKey(
        keyId: String, caller: Caller, encryptionContext: [String: String]
    ) async throws(AWSError)
        -> (plaintext: [UInt8], ciphertextBlob: [UInt8])
    /// The plaintext of a data key `generateDataKey` made.
    func decrypt(
        ciphertextBlob: [UInt8], caller: Caller, encryptionContext: [String: String]
    ) async throws(AWSError)
        -> [UInt8]
    /// The ARN of the account's AWS managed key for `service` (`alias/aws/lambda`), made on
    /// first use as AWS does.
    func awsManagedKey(service: String, accountId: String, region: String) async throws(AWSError) -> String
    /// The plaintext of a data key the service made earlier, opened by the service itself with
    /// no caller (a function's environment at a cold start): the grant AWS's services hold on a
    /// key. The key's state still decides: disabled or deleted keys refuse.
    func decryptForService(
        ciphertextBlob: [UInt8], encryptionContext: [String: String], accountId: String, region: String
    ) async throws(AWSError) -> [UInt8]
}

/// An event a service raises by itself, as AWS's services send to EventBridge (`source`
/// `aws.kms`, `detail-type` `KMS CMK Rotation`), for the default bus of `accountId` in `region`.
public struct ServiceEvent: Sendable {
    public var source: String
    public var detailType: String
    public var detail: JSONValue
    public var resources: [String]
    public var accountId: String
    public var region: String
    public var time: Date

    public init(
        source: String, detailType: String, detail: JSONValue, resources: [String], accountId: String, region: String,
        time: Date
    ) {
        self.source = source
        self.detailType = detailType
        self.detail = detail
        self.resources = resources
        self.accountId = accountId
        self.region = region
        self.time = time
    }
}

/// Receives the services' own events (EventBridge).
public protocol ServiceEventSink: Sendable {
    func receive(_ event: ServiceEvent) async
}

/// CloudWatch Logs as other services write to it: events appended to a stream of a group, both
/// made when missing (as Lambda's service role does for `/aws/lambda/NAME`).
public protocol LogEventSink: Sendable {
    func append(
        accountId: String, region: String, group: String, stream: String, events: [(timestamp: Int64, message: String)]
    ) async throws
}
