public import AWSProtocol
public import Foundation
import RampartCore

/// One CloudTrail record (eventVersion 1.11), as AWS writes them, plus the few fields
/// LookupEvents filters on.
public struct CloudTrailEvent: Sendable {
    public var eventId: String
    public var eventTime: Date
    public var eventName: String
    /// `kms.amazonaws.com`, `iam.amazonaws.com`, ...
    public var eventSource: String
    public var accountId: String
    public var region: String
    public var readOnly: Bool
    public var username: String?
    public var accessKeyId: String?
    /// `[(type, ARN)]`, e.g. `("AWS::KMS::Key", "arn:aws:kms:...")`.
    public var resources: [(type: String, name: String)]
    /// The members particular to this call that no other field gives: `eventType`, `requestID`,
    /// `requestParameters`, `resources`, `responseElements`, and `additionalEventData`,
    /// `errorCode` and `errorMessage` when present — one compact JSON object, members sorted.
    /// For events stored before records were split, the whole record.
    public var callJSON: [UInt8]
    /// The members that say who called and from where (`sourceIPAddress`, `tlsDetails`,
    /// `userAgent`, `userIdentity`), as one JSON object; empty when `callJSON` is the whole
    /// record. A caller's calls share it, so the store keeps each once.
    public var callerJSON: [UInt8]

    /// The full record, serialized compactly with members sorted (as `JSONValue.serialized()`):
    /// the two parts, and the members this event's fields give (its id, name, source, time,
    /// region, account and whether it is read-only) or that every record has alike.
    public var json: [UInt8] {
        guard !callerJSON.isEmpty else { return callJSON }
        guard case .object(var members)? = try? JSONParser.parse(callJSON, maxDepth: 128),
            case .object(let caller)? = try? JSONParser.parse(callerJSON, maxDepth: 128)
        else { return callJSON }
        members.merge(caller) { call, _ in call }
        members["awsRegion"] = .string(region)
        if members["eventCategory"] == nil { members["eventCategory"] = "Management" }
        members["eventID"] = .string(eventId)
        members["eventName"] = .string(eventName)
        members["eventSource"] = .string(eventSource)
        members["eventTime"] = .string(Timestamp.iso8601(eventTime, fractional: false))
        members["eventVersion"] = "1.11"
        if members["managementEvent"] == nil { members["managementEvent"] = true }
        members["readOnly"] = .bool(readOnly)
        members["recipientAccountId"] = .string(accountId)
        return JSONValue.object(members).serialized()
    }

    /// Whether the record is a data event (its call part says `"eventCategory": "Data"`).
    public var isDataEvent: Bool {
        guard !callerJSON.isEmpty, case .object(let members)? = try? JSONParser.parse(callJSON, maxDepth: 128) else {
            return false
        }
        return members["eventCategory"] == "Data"
    }

    /// Whether two events hold the same record.
    public func sameRecord(as other: CloudTrailEvent) -> Bool {
        callJSON == other.callJSON && callerJSON == other.callerJSON && eventId == other.eventId
            && eventName == other.eventName && eventTime == other.eventTime && readOnly == other.readOnly
            && accountId == other.accountId && region == other.region
    }

    /// The full record as a value.
    public var record: JSONValue {
        (try? JSONParser.parse(json, maxDepth: 128)) ?? .null
    }

    public init(
        eventId: String, eventTime: Date, eventName: String, eventSource: String, accountId: String, region: String,
        readOnly: Bool, username: String?, accessKeyId: String?, resources: [(type: String, name: String)],
        callJSON: [UInt8], callerJSON: [UInt8] = []
    ) {
        self.eventId = eventId
        self.eventTime = eventTime
        self.eventName = eventName
        self.eventSource = eventSource
        self.accountId = accountId
        self.region = region
        self.readOnly = readOnly
        self.username = username
        self.accessKeyId = accessKeyId
        self.resources = resources
        self.callJSON = callJSON
        self.callerJSON = callerJSON
    }
}

/// Who made a call, as CloudTrail's `userIdentity` describes it.
public struct AuditIdentity: Sendable {
    public var type: String  // Root, IAMUser, AssumedRole, FederatedUser, AWSService, AWSAccount
    public var principalId: String
    /// Empty for `AWSAccount` identities (a caller of another account, as the owner sees it).
    public var arn: String
    public var accountId: String
    public var accessKeyId: String?
    public var userName: String?
    /// Temporary credentials: the session's issuer (a role, or the user for GetSessionToken) and start.
    public var session: AuditSession?

    public init(
        type: String, principalId: String, arn: String, accountId: String, accessKeyId: String?, userName: String?,
        session: AuditSession? = nil
    ) {
        self.type = type
        self.principalId = principalId
        self.arn = arn
        self.accountId = accountId
        self.accessKeyId = accessKeyId
        self.userName = userName
        self.session = session
    }

    func write(into w: inout JSONObjectWriter) {
        if let accessKeyId { w.string("accessKeyId", accessKeyId) }
        w.string("accountId", accountId)
        if !arn.isEmpty { w.string("arn", arn) }
        w.string("principalId", principalId)
        if let session { w.object("sessionContext") { session.write(into: &$0) } }
        w.string("type", type)
        if let userName { w.string("userName", userName) }
    }
}

/// `userIdentity.sessionContext` of a call made with temporary credentials.
public struct AuditSession: Sendable {
    /// Role sessions: the role (type Role); federated users: the IAM user (type IAMUser) or
    /// root (type Root) that called GetFederationToken; nil for GetSessionToken sessions.
    public var issuerType: String?
    public var issuerPrincipalId: String?
    public var issuerArn: String?
    public var issuerUserName: String?
    public var creationDate: Date?
    /// Whether the context carries `webIdFederationData` (empty: no web identity provider
    /// was involved), as AWS's records of federated users do.
    public var webIdFederationData: Bool

    public init(
        issuerType: String?, issuerPrincipalId: String?, issuerArn: String?, issuerUserName: String?, creationDate: Date?,
        webIdFederationData: Bool = false
    ) {
        self.issuerType = issuerType
        self.issuerPrincipalId = issuerPrincipalId
        self.issuerArn = issuerArn
        self.issuerUserName = issuerUserName
        self.creationDate = creationDate
        self.webIdFederationData = webIdFederationData
    }

    func write(into w: inout JSONObjectWriter) {
        w.object("attributes") { a in
            if let creationDate { a.string("creationDate", Timestamp.iso8601(creationDate, fractional: false)) }
            a.string("mfaAuthenticated", "false")
        }
        if let issuerType, let issuerPrincipalId, let issuerArn {
            w.object("sessionIssuer") { i in
                if let account = ARN(issuerArn)?.accountId { i.string("accountId", account) }
                i.string("arn", issuerArn)
                i.string("principalId", issuerPrincipalId)
                i.string("type", issuerType)
                if let issuerUserName { i.string("userName", issuerUserName) }
            }
        }
        if webIdFederationData { w.object("webIdFederationData") { _ in } }
    }
}

/// CloudTrail's `tlsDetails`: what the connection negotiated and the Host the client asked for.
public struct AuditTLSDetails: Sendable, Equatable {
    public var tlsVersion: String
    public var cipherSuite: String
    public var clientProvidedHostHeader: String?

    public init(tlsVersion: String, cipherSuite: String, clientProvidedHostHeader: String?) {
        self.tlsVersion = tlsVersion
        self.cipherSuite = cipherSuite
        self.clientProvidedHostHeader = clientProvidedHostHeader
    }
}

/// Everything a record is built from.
public struct AuditedCall: Sendable {
    public var service: String
    public var eventName: String
    public var identity: AuditIdentity?
    /// The account the call was authenticated for (or claimed) — `recipientAccountId`.
    public var accountId: String
    public var region: String
    public var sourceIPAddress: String
    public var userAgent: String?
    public var requestId: String
    public var eventTime: Date
    public var readOnly: Bool
    public var requestParameters: JSONValue?
    public var responseElements: JSONValue?
    public var errorCode: String?
    public var errorMessage: String?
    public var resources: [(type: String, name: String)]
    /// nil for calls over plain HTTP.
    public var tlsDetails: AuditTLSDetails?
    /// `AwsApiCall` for callers' requests, `AwsServiceEvent` for what the service did by itself
    /// (rotations, deletions, expiry); service events carry `additionalEventData`.
    public var eventType = "AwsApiCall"
    public var additionalEventData: JSONValue?
    /// A data event (SQS messages, …) rather than a management event: CloudTrail records it with
    /// `eventCategory` `Data` and `managementEvent` false, and LookupEvents never returns it.
    public var dataEvent = false

    public init(
        service: String, eventName: String, identity: AuditIdentity?, accountId: String, region: String,
        sourceIPAddress: String, userAgent: String?, requestId: String, eventTime: Date, readOnly: Bool,
        requestParameters: JSONValue?, responseElements: JSONValue?, errorCode: String?, errorMessage: String?,
        resources: [(type: String, name: String)], tlsDetails: AuditTLSDetails?
    ) {
        self.service = service
        self.eventName = eventName
        self.identity = identity
        self.accountId = accountId
        self.region = region
        self.sourceIPAddress = sourceIPAddress
        self.userAgent = userAgent
        self.requestId = requestId
        self.eventTime = eventTime
        self.readOnly = readOnly
        self.requestParameters = requestParameters
        self.responseElements = responseElements
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.resources = resources
        self.tlsDetails = tlsDetails
    }
}

extension CloudTrailEvent {
    /// An event the service made by itself, as AWS records them: no caller, `invokedBy` the
    /// service, `eventType` AwsServiceEvent.
    public static func serviceEvent(
        service: String, eventName: String, accountId: String, region: String, time: Date, resourceType: String,
        resourceArn: String, additionalEventData: JSONValue
    ) -> CloudTrailEvent {
        var call = AuditedCall(
            service: service, eventName: eventName, identity: nil, accountId: accountId, region: region,
            sourceIPAddress: "\(service).amazonaws.com", userAgent: "\(service).amazonaws.com",
            requestId: UUIDText.random(), eventTime: time, readOnly: false, requestParameters: nil,
            responseElements: nil, errorCode: nil, errorMessage: nil, resources: [(type: resourceType, name: resourceArn)],
            tlsDetails: nil)
        call.eventType = "AwsServiceEvent"
        call.additionalEventData = additionalEventData
        return CloudTrailEvent(call)
    }

    /// Builds the record AWS would write for `call`, members in sorted order.
    public init(_ call: AuditedCall, eventId: String = EventID.make()) {
        // The members every record has, and those the event's own fields give, are left to `json`.
        var w = JSONObjectWriter(capacity: 512)
        call.writeCallPart(into: &w)
        var c = JSONObjectWriter(capacity: 512)
        call.writeCallerPart(into: &c)
        self.init(
            eventId: eventId, eventTime: call.eventTime, eventName: call.eventName, eventSource: call.eventSource,
            accountId: call.accountId, region: call.region, readOnly: call.readOnly, username: call.username,
            accessKeyId: call.identity?.accessKeyId, resources: call.resources, callJSON: w.finished(),
            callerJSON: c.finished())
    }
}

extension AuditedCall {
    /// `kms.amazonaws.com`, ...
    public var eventSource: String { "\(service).amazonaws.com" }

    /// What LookupEvents' Username matches: the user name, `root`, or the principal id.
    public var username: String {
        identity.map { $0.userName ?? ($0.type == "Root" ? "root" : $0.principalId) } ?? eventSource
    }

    /// The record's members particular to this call (`CloudTrailEvent.callJSON`), in sorted order.
    func writeCallPart(into w: inout JSONObjectWriter) {
        if let extra = additionalEventData { w.value("additionalEventData", extra) }
        if let code = errorCode { w.string("errorCode", code) }
        if let message = errorMessage { w.string("errorMessage", message) }
        // A data event says so in its own part; the record's other members default to management.
        if dataEvent { w.string("eventCategory", "Data") }
        w.string("eventType", eventType)
        if dataEvent { w.value("managementEvent", false) }
        w.string("requestID", requestId)
        w.value("requestParameters", requestParameters ?? .null)
        if !resources.isEmpty {
            w.objects("resources", count: resources.count) { r, i in
                let resource = resources[i]
                r.string("ARN", resource.name)
                // The resource's owner: another account's key, for a cross-account call.
                r.string("accountId", ARN.accountId(in: resource.name).map(String.init) ?? accountId)
                r.string("type", resource.type)
            }
        }
        w.value("responseElements", responseElements ?? .null)
    }

    /// The record's members that say who called and from where (`CloudTrailEvent.callerJSON`).
    func writeCallerPart(into c: inout JSONObjectWriter) {
        c.string("sourceIPAddress", sourceIPAddress)
        if let tls = tlsDetails {
            c.object("tlsDetails") { t in
                t.string("cipherSuite", tls.cipherSuite)
                if let host = tls.clientProvidedHostHeader { t.string("clientProvidedHostHeader", host) }
                t.string("tlsVersion", tls.tlsVersion)
            }
        }
        c.string("userAgent", userAgent ?? "")
        c.object("userIdentity") { u in
            if let identity {
                identity.write(into: &u)
            } else {
                u.string("accountId", accountId)
                u.string("invokedBy", eventSource)
            }
        }
    }
}
