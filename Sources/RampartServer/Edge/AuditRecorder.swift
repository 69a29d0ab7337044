import AWSProtocol
import Audit
import Foundation
import Identity
import RampartCore
import ServiceKit

/// Turns each authenticated call into a CloudTrail record: who, what, from where, the request's
/// non-secret parameters, what it acted on, and how it ended. What an operation is (read-only,
/// which response members may be recorded) comes from its service's operation table; what a
/// service adds (its resources, members AWS's records carry) from its `CallAuditing`.
final class AuditRecorder: Sendable {
    let trail: AuditTrail
    let clock: any ServiceClock

    init(trail: AuditTrail, clock: any ServiceClock) {
        self.trail = trail
        self.clock = clock
    }

    static func identity(_ caller: Caller) -> AuditIdentity {
        let p = caller.principal
        var session: AuditSession?
        if let roleArn = p.roleArn {
            session = AuditSession(
                issuerType: "Role", issuerPrincipalId: String(p.userId.split(separator: ":").first ?? ""), issuerArn: roleArn,
                issuerUserName: p.roleName, creationDate: p.sessionCreated)
        } else if p.kind == .federatedUser {
            // The issuer is whoever called GetFederationToken: an IAM user, or the account's root.
            let byRoot = p.federatingUserName == nil
            session = AuditSession(
                issuerType: byRoot ? "Root" : "IAMUser",
                issuerPrincipalId: p.federatingPrincipalId ?? (byRoot ? caller.accountId : nil),
                issuerArn: p.federatingArn ?? (byRoot ? "arn:aws:iam::\(caller.accountId):root" : nil),
                issuerUserName: p.federatingUserName, creationDate: p.sessionCreated, webIdFederationData: true)
        } else if caller.accessKeyId.hasPrefix("ASIA") {
            session = AuditSession(
                issuerType: nil, issuerPrincipalId: nil, issuerArn: nil, issuerUserName: nil, creationDate: p.sessionCreated)
        }
        return AuditIdentity(
            type: p.kind.rawValue, principalId: p.userId, arn: p.arn, accountId: caller.accountId,
            accessKeyId: caller.accessKeyId, userName: p.userName, session: session)
    }

    /// One call being recorded: what it was, before it ran.
    struct Call: Sendable {
        var service: String
        var operation: String
        var traits: OperationTraits
        var auditing: (any CallAuditing)?
        var caller: Caller
        var requestId: String
        var input: JSONValue?
        var model: ServiceModel
        var eventId = EventID.make()
        var time: Date
        var tls: AuditTLSDetails?
        /// For changes: what the service's auditing found the call names, read before it runs
        /// (an alias being deleted still names its key).
        var touched: [String] = []
        /// What the service noted the call acted on (changes only).
        var notes: CallNotes?
        /// For calls that may change state: the record that commits with the change.
        var pending: PendingAuditRecord?
        /// A data event that no trail of the caller's account selects: not in its trail.
        var unselected = false
    }

    /// Starts recording a call. A call that may change state gets its record now, for the
    /// change's transaction to carry. A data event is recorded only when a logging trail of
    /// the account selects it (management events always are: the event history is always on).
    func begin(
        _ service: ServiceDescriptor, operation: String, traits: OperationTraits, caller: Caller, requestId: String,
        input: JSONValue?, tls: AuditTLSDetails?
    ) async -> Call {
        var call = Call(
            service: service.signingName, operation: operation, traits: traits, auditing: service.auditing, caller: caller,
            requestId: requestId, input: input, model: service.model, time: clock.now, tls: tls)
        if traits.category == .data {
            call.unselected = await !selected(call, accountId: caller.accountId)
        }
        if !traits.readOnly, !call.unselected {
            if let auditing = service.auditing {
                call.touched = auditing.resourcesBefore(operation: operation, input: input, caller: caller)
                call.notes = CallNotes()
            }
            let pending = PendingAuditRecord(event(call, response: nil, error: nil))
            trail.track(pending)
            call.pending = pending
        }
        return call
    }

    /// Whether a trail of `accountId` selects the data event `call` is, as the call names its
    /// resources before it runs (SQS's queue, SNS's topic).
    func selected(_ call: Call, accountId: String) async -> Bool {
        let context = AuditContext(
            operation: call.operation, caller: call.caller, input: call.input, response: nil, failed: false, touched: [],
            noted: [])
        let resources = call.auditing?.resources(context) ?? []
        let event = SelectableEvent(
            isDataEvent: true, eventSource: "\(call.service).amazonaws.com", eventName: call.traits.eventName ?? call.operation,
            readOnly: call.traits.readOnly, resources: resources.map { (type: $0.type, arn: $0.name) },
            userIdentityArn: call.caller.principal.arn)
        return await trail.selectsDataEvent(event, accountId: accountId, region: call.caller.region)
    }

    /// Records how the call ended. Changes' records are committed before this returns.
    func finish(_ call: Call, response: JSONValue?, error: AWSError?) async {
        let audited = Self.audited(call, response: response, error: error)
        if call.unselected {
            // Not in the caller's trail; the owner's trail below may still select it.
        } else if let pending = call.pending {
            await trail.finish(pending, as: CloudTrailEvent(audited, eventId: call.eventId))
        } else {
            await trail.record(audited, eventId: call.eventId)
        }
        guard error == nil else { return }
        // A call that acted in other regions is in their trails too, as AWS records it.
        if let auditing = call.auditing {
            let context = AuditContext(
                operation: call.operation, caller: call.caller, input: call.input, response: response, failed: false,
                touched: call.touched, noted: call.notes?.resourceArns ?? [])
            for regional in auditing.otherRegionRecords(context) {
                var copy = audited
                copy.region = regional.region
                copy.eventName = regional.eventName
                copy.resources = regional.resources
                copy.responseElements = regional.responseElements
                await trail.record(CloudTrailEvent(copy), durable: !copy.readOnly)
            }
        }
        // A call that used another account's resource is in that account's trail too, as AWS records it.
        for owner in Self.otherOwners(of: audited.resources, caller: call.caller.accountId) {
            if call.traits.category == .data, await !selected(call, accountId: owner) { continue }
            var copy = audited
            copy.accountId = owner
            // The owner sees the calling account, not its credentials (CloudTrail's AWSAccount).
            copy.identity = audited.identity.map {
                AuditIdentity(
                    type: "AWSAccount", principalId: $0.principalId, arn: "", accountId: $0.accountId, accessKeyId: nil,
                    userName: nil)
            }
            await trail.record(CloudTrailEvent(copy), durable: !copy.readOnly)
        }
    }

    /// The accounts, other than the caller's, that own the resources.
    static func otherOwners(of resources: [(type: String, name: String)], caller: String) -> [String] {
        var owners: [String] = []
        for resource in resources {
            guard let owner = ARN.accountId(in: resource.name), owner != caller, !owners.contains(where: { $0 == owner })
            else { continue }
            owners.append(String(owner))
        }
        return owners
    }

    func event(_ call: Call, response: JSONValue?, error: AWSError?) -> CloudTrailEvent {
        CloudTrailEvent(Self.audited(call, response: response, error: error), eventId: call.eventId)
    }

    /// The record of a call that ended with `response` or `error`: a pure function of the call.
    static func audited(_ call: Call, response: JSONValue?, error: AWSError?) -> AuditedCall {
        let (operation, caller, input, model) = (call.operation, call.caller, call.input, call.model)
        let context = AuditContext(
            operation: operation, caller: caller, input: input, response: response, failed: error != nil,
            touched: call.touched, noted: call.notes?.resourceArns ?? [])
        let resources = call.auditing?.resources(context) ?? []
        var responseElements: JSONValue?
        if error == nil, !call.traits.readOnly, case .object(let members)? = response {
            let kept = members.filter { call.traits.recordedResponse.contains($0.key) }
            if !kept.isEmpty {
                switch call.traits.responseElements {
                case .topLevelNames:
                    responseElements = .object(
                        Dictionary(
                            uniqueKeysWithValues: kept.map {
                                (String($0.key.prefix(1).lowercased() + $0.key.dropFirst()), $0.value)
                            }))
                case .awsRecord:
                    responseElements = ResponseElements.recorded(
                        .object(kept), shapeName: model.outputs[operation], model: model)
                }
            }
        }
        if !call.traits.readOnly, let override = call.auditing?.responseElements(context) { responseElements = override }
        var parameters = input.map {
            RequestParameters.redactedMembers($0, shapeName: model.operations[operation] ?? nil, model: model)
        }
        if let auditing = call.auditing {
            var members = parameters ?? [:]
            let hadParameters = parameters != nil
            parameters = nil  // `members` is the only reference: changed in place
            auditing.requestParameters(&members, context)
            parameters = hadParameters || !members.isEmpty ? members : nil
        }
        var audited = AuditedCall(
            service: call.service, eventName: call.traits.eventName ?? operation, identity: Self.identity(caller),
            accountId: caller.accountId,
            region: caller.region, sourceIPAddress: caller.sourceIPAddress, userAgent: caller.userAgent,
            requestId: call.requestId, eventTime: call.time, readOnly: call.traits.readOnly,
            requestParameters: parameters.flatMap { $0.isEmpty ? nil : .object($0) },
            responseElements: responseElements, errorCode: error?.code, errorMessage: error?.message, resources: resources,
            tlsDetails: call.tls)
        audited.additionalEventData = call.auditing?.additionalEventData(context)
        audited.dataEvent = call.traits.category == .data
        return audited
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
