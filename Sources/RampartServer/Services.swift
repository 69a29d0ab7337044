import AccessControl
import CloudTrail
import CloudWatchLogs
import EventBridge
import IAM
import KMS
import Lambda
import RampartCore
import SNS
import SQS
import STS
import ServiceKit

/// The services this server serves: one line each. Adding a service is adding its line here
/// (and its module to Package.swift); nothing else at the edge changes.
enum Services {
    static func all(
        _ context: ServiceContext, kms: KeyManagementService, digestKey: (der: [UInt8], fingerprint: String)?,
        devClock: Bool
    ) -> [ServiceDescriptor] {
        MetricsExposition.bootstrap()  // before any service makes a counter
        var services: [ServiceDescriptor] = [
            kms.descriptor(),
            IAMModule.descriptor(context),
            STSModule.descriptor(context),
        ]
        if let cloudTrail = CloudTrailModule.descriptor(context, digestKey: digestKey) { services.append(cloudTrail) }
        if let sqs = SQSModule.descriptor(context) { services.append(sqs) }
        context.integrations.register(dataKeys: KMSDataKeys(kms: kms))
        if let sns = SNSModule.descriptor(context) { services.append(sns) }
        var sweeps: [@Sendable () async -> Void] = [{ _ = await kms.sweep() }]
        if let events = EventBridgeModule.make(context) {
            services.append(events.descriptor)
            sweeps.append(events.sweep)
        }
        if let logs = LogsModule.descriptor(context) { services.append(logs) }
        if let lambda = LambdaModule.descriptor(context) { services.append(lambda) }
        if devClock { services.append(DevAPI.descriptor(clock: context.clock, sweeps: sweeps)) }
        return services
    }
}

/// A document store that holds nothing, for servers built without one (unit tests of the
/// services that need none).
struct NoDocuments: DocumentStore {
    func document(_ key: DocumentKey) async throws -> [UInt8]? { nil }
    func documents(module: String, kind: String, accountId: String, region: String) async throws -> [StoredDocument] { [] }
    func documents(module: String, kind: String) async throws -> [StoredDocument] { [] }
    func put(_ key: DocumentKey, document: [UInt8]) async throws {
        throw StoreUnavailable()
    }
    func delete(_ key: DocumentKey) async throws -> Bool { false }

    struct StoreUnavailable: Error {}
}
