import AWSProtocol
import AccessControl
import Audit
import Foundation
import Identity
import Logging
import Policy
import RampartCore
public import ServiceKit
import ServiceLifecycle

/// Amazon EventBridge as the edge serves it: AWS JSON 1.1 under `AWSEvents`.
public enum EventBridgeModule {
    /// nil on a server without module tables (unit tests of the edge built on no database).
    /// Subscribes to the trail (CloudTrail's events reach the default buses), registers the
    /// `events` sink (another account's bus as a target) and the receiver of services' own
    /// events, and runs the delivery loop beside the server.
    public static func descriptor(_ context: ServiceContext) -> ServiceDescriptor? {
        make(context)?.descriptor
    }

    /// The descriptor, and the sweep `rampart dev advance-clock` runs after moving the clock:
    /// scheduled rules whose time has come fire before the call answers.
    public static func make(_ context: ServiceContext) -> (descriptor: ServiceDescriptor, sweep: @Sendable () async -> Void)? {
        guard let tables = context.tables else { return nil }
        let outbox = SQLOutbox(tables: tables)
        let service = EventBridgeService(
            buses: DocumentCollection<EventBus>(store: context.documents, module: "events", kind: "bus"),
            rules: DocumentCollection<Rule>(store: context.documents, module: "events", kind: "rule"),
            pending: outbox, outbox: outbox, clock: context.clock, logger: context.logger)
        context.trail?.subscribe(EventBridgeTrailSubscriber(service: service))
        context.integrations.register(EventBusSink(service: service), for: "events")
        context.integrations.register(events: ServiceEventReceiver(service: service))
        let integrations = context.integrations
        let engine = DeliveryEngine(
            outbox: outbox, sinks: { integrations.sink(for: $0) }, clock: context.clock, logger: context.logger)
        let descriptor = ServiceDescriptor(
            signingName: "events", wire: .json(targetPrefix: "AWSEvents"), model: .eventBridge,
            operations: EventBridgeOperations.table, handler: EventBridgeAPI(service: service),
            auditing: EventBridgeAuditing(),
            backgroundServices: [DeliveryLoop(engine: engine, service: service)], migrations: SQLOutbox.migrations)
        return (descriptor, { await service.fireSchedules() })
    }
}

/// What EventBridge's records name: the rule or bus a call acted on.
struct EventBridgeAuditing: CallAuditing {
    func resources(_ call: AuditContext) -> [(type: String, name: String)] {
        let region = call.caller.region
        let account = call.caller.accountId
        var bus = call.input?["EventBusName"]?.stringValue ?? EventBus.defaultName
        if bus.hasPrefix("arn:") { bus = bus.split(separator: "/", maxSplits: 1).last.map(String.init) ?? bus }
        if let rule = call.input?["Name"]?.stringValue ?? call.input?["Rule"]?.stringValue,
            call.operation.hasSuffix("Rule") || call.operation.hasSuffix("Targets") || call.operation == "ListTargetsByRule"
        {
            return [("AWS::Events::Rule", Rule.arn(accountId: account, region: region, bus: bus, name: rule))]
        }
        if call.operation.hasSuffix("EventBus"), let name = call.input?["Name"]?.stringValue {
            return [("AWS::Events::EventBus", EventBus.arn(accountId: account, region: region, name: name))]
        }
        return []
    }
}

/// Delivers the outbox as soon as deliveries are queued (and at least every quarter second of
/// wall time, for retries) and fires scheduled rules, on the service clock (so `rampart dev advance-clock` brings retries and schedules forward).
struct DeliveryLoop: Service {
    let engine: DeliveryEngine
    let service: EventBridgeService

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let generation = service.signals.generation(Signals.eventBridgeOutbox)
            await service.fireSchedules()
            // Drain what is due, a bounded number of rounds per tick (a store that cannot record an
            // outcome leaves its entries due: they wait for the next tick rather than spin).
            for _ in 0..<20 {
                guard await engine.runOnce() > 0 else { break }
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
            }
            await cancelWhenGracefulShutdown {
                await service.signals.wait(Signals.eventBridgeOutbox, after: generation, timeout: .milliseconds(250))
            }
        }
    }
}

/// Another account's (or this account's) event bus as a rule's target: the bus's policy must
/// let the rule's account put events, then the event is routed on that bus as it is.
struct EventBusSink: MessageSink {
    let service: EventBridgeService

    func deliver(_ message: DeliveredMessage, to arn: String, from sender: Caller) async throws(DeliveryFailure) {
        guard let parsed = ARN(arn), parsed.service == "events", parsed.resource.hasPrefix("event-bus/") else {
            throw DeliveryFailure(code: "InvalidArgument", message: "The target \(arn) is not an event bus.")
        }
        let name = String(parsed.resource.dropFirst("event-bus/".count))
        let bus: EventBus
        do {
            guard let found = try await service.bus(accountId: parsed.accountId, region: parsed.region, name: name) else {
                throw DeliveryFailure(code: "ResourceNotFoundException", message: "Event bus \(name) does not exist.")
            }
            bus = found
        } catch let failure as DeliveryFailure {
            throw failure
        } catch {
            throw DeliveryFailure(code: "InternalException", message: "The event bus could not be read.", retryable: true)
        }
        let account = sender.sourceAccount ?? ""
        if account != bus.accountId {
            let caller = Caller(principal: .root(accountId: account), accessKeyId: "", region: parsed.region)
            if let denial = Authorization.authorize(
                caller, action: "events:PutEvents", resource: bus.arn, resourceAccount: bus.accountId,
                resourcePolicy: bus.policy, rule: .optional)
            {
                throw DeliveryFailure(code: "AccessDeniedException", message: denial.message)
            }
        }
        guard let event = try? JSONParser.parse(Array(message.body.utf8)), let envelope = EventEnvelope(event) else {
            throw DeliveryFailure(code: "MalformedDetail", message: "The message is not an EventBridge event.")
        }
        do {
            try await service.route(
                [EventBridgeService.Routed(envelope: envelope)], accountId: bus.accountId, region: bus.region, bus: bus.name)
        } catch {
            throw DeliveryFailure(code: error.code, message: error.message, retryable: error.httpStatus >= 500)
        }
    }
}

/// Services' own events (`Integrations.emit`), on the default bus of their account and region.
struct ServiceEventReceiver: ServiceEventSink {
    let service: EventBridgeService

    func receive(_ event: ServiceEvent) async {
        let envelope = EventEnvelope(
            id: UUIDText.random(), detailType: event.detailType, source: event.source, account: event.accountId,
            time: event.time, region: event.region, resources: event.resources, detail: event.detail)
        do {
            try await service.route(
                [EventBridgeService.Routed(envelope: envelope)], accountId: event.accountId, region: event.region,
                bus: EventBus.defaultName)
        } catch {
            service.logger.error("queuing a service's own event failed; it is dropped")
        }
    }
}

extension EventEnvelope {
    /// An event read back from its JSON (a bus target's message).
    init?(_ value: JSONValue) {
        guard let id = value["id"]?.stringValue, let detailType = value["detail-type"]?.stringValue,
            let source = value["source"]?.stringValue, let account = value["account"]?.stringValue,
            let region = value["region"]?.stringValue, let detail = value["detail"], case .object = detail
        else { return nil }
        self.init(
            id: id, detailType: detailType, source: source, account: account,
            time: value["time"]?.stringValue.flatMap(Timestamp.parse) ?? Date(), region: region,
            resources: value["resources"]?.arrayValue?.compactMap(\.stringValue) ?? [], detail: detail)
    }
}
