import AWSProtocol
import AccessControl
import Audit
import Foundation
import Identity
import RampartCore
import ServiceKit

/// CloudTrail on the wire (JSON 1.1): LookupEvents over the caller's account and region.
struct CloudTrailAPI: OperationHandler {
    let trail: AuditTrail
    /// The digest signing key's public half, for ListPublicKeys.
    let digestKey: (der: [UInt8], fingerprint: String)?
    let clock: any ServiceClock

    func handle(_ call: Invocation) async throws(AWSError) -> Reply {
        .json(try await handle(operation: call.operation, input: call.input, caller: call.caller))
    }

    private typealias Errors = CloudTrailShapes.ErrorCode

    func handle(operation: String, input: RequestInput, caller: Caller) async throws(AWSError) -> JSONValue {
        // The trail is read and configured with IAM permissions, as in AWS (an account's root needs none).
        let trailName = input.string("Name") ?? input.string("TrailName")
        let resource =
            trailName.map { $0.hasPrefix("arn:") ? $0 : "arn:aws:cloudtrail:\(caller.region):\(caller.accountId):trail/\($0)" }
            ?? "*"
        if let denial = Authorization.iam(caller, "cloudtrail:\(operation)", resource, [:]) {
            throw .accessDenied(denial.message)
        }
        switch operation {
        case "LookupEvents":
            let r = CloudTrailShapes.LookupEventsRequest(input)
            let attributes = r.lookupAttributes ?? []
            guard attributes.count <= 1 else {
                throw AWSError(Errors.invalidLookupAttributesException, message: "You can specify only one lookup attribute.")
            }
            var attribute: LookupAttribute?
            if let a = attributes.first {
                guard let key = LookupAttribute.Key(rawValue: a.attributeKey.rawValue) else {
                    throw AWSError(Errors.invalidLookupAttributesException, message: "The lookup attribute is not valid.")
                }
                attribute = LookupAttribute(key: key, value: a.attributeValue)
            }
            let (start, end) = (r.startTime, r.endTime)
            if let start, let end, start > end {
                throw AWSError(Errors.invalidTimeRangeException, message: "Start time must be before end time.")
            }
            let limit = r.maxResults ?? 50
            guard (1...50).contains(limit) else {
                throw AWSError(Errors.invalidMaxResultsException, message: "MaxResults must be between 1 and 50.")
            }
            var cursor: LookupCursor?
            if let token = r.nextToken {
                guard let bytes = Base64.decode(token), let text = String(bytes: bytes, encoding: .utf8),
                    let bar = text.firstIndex(of: "|"), let time = Double(text[..<bar])
                else {
                    throw AWSError(Errors.invalidNextTokenException, message: "A token that is not valid was provided.")
                }
                cursor = LookupCursor(
                    eventTime: Date(timeIntervalSince1970: time), eventId: String(text[text.index(after: bar)...]))
            }
            // LookupEvents shows management events only: data events (SQS messages, …) are in
            // the trail and its exports, never here. Read on past them until the page is full.
            var events: [CloudTrailEvent] = []
            do {
                var after = cursor
                while events.count <= limit {
                    let batch = try await trail.lookup(
                        accountId: caller.accountId, region: caller.region, attribute: attribute, start: start, end: end,
                        after: after, limit: limit + 1)
                    events += batch.filter { !$0.isDataEvent }
                    guard batch.count == limit + 1, let last = batch.last else { break }
                    after = LookupCursor(eventTime: last.eventTime, eventId: last.eventId)
                }
            } catch {
                throw .internalFailure("CloudTrailInternalException")
            }
            let page = Array(events.prefix(limit))
            var out: [String: JSONValue] = ["Events": .array(page.map(Self.encode))]
            if events.count > limit, let last = page.last {
                out["NextToken"] = .string(Base64.encode(Array("\(last.eventTime.timeIntervalSince1970)|\(last.eventId)".utf8)))
            }
            return .object(out)
        case "CreateTrail":
            let r = CloudTrailShapes.CreateTrailRequest(input)
            let name = r.name
            guard CloudTrailTrail.isValidName(name) else {
                throw AWSError(Errors.invalidTrailNameException, message: "Trail name \(name) is not valid.")
            }
            let existing = try await stored { try await trail.trails.trails(accountId: caller.accountId) }
            if existing.contains(where: { $0.name == name }) {
                throw AWSError(
                    Errors.trailAlreadyExistsException, message: "Trail \(name) already exists for customer: \(caller.accountId)")
            }
            guard existing.filter({ $0.region == caller.region }).count < 5 else {
                throw AWSError(
                    Errors.maximumNumberOfTrailsExceededException,
                    message: "User: \(caller.accountId) already has 5 trails in \(caller.region).")
            }
            var tags: [String: String] = [:]
            for t in r.tagsList ?? [] { tags[t.key] = t.value ?? "" }
            let created = CloudTrailTrail(
                accountId: caller.accountId, region: caller.region, name: name, s3BucketName: r.s3BucketName,
                s3KeyPrefix: r.s3KeyPrefix, includeGlobalServiceEvents: r.includeGlobalServiceEvents ?? true,
                isMultiRegionTrail: r.isMultiRegionTrail ?? false,
                logFileValidationEnabled: r.enableLogFileValidation ?? false, kmsKeyId: r.kmsKeyId, tags: tags)
            try await stored { try await trail.trails.putTrail(created) }
            trail.trailsChanged(accountId: caller.accountId)
            var out = Self.encode(created)
            out.removeValue(forKey: "HomeRegion")
            out.removeValue(forKey: "HasCustomEventSelectors")
            out.removeValue(forKey: "HasInsightSelectors")
            return .object(out)
        case "DescribeTrails":
            let names = CloudTrailShapes.DescribeTrailsRequest(input).trailNameList ?? []
            let all = try await visibleTrails(caller)
            let chosen = names.isEmpty ? all : all.filter { names.contains($0.name) || names.contains($0.arn) }
            return ["trailList": .array(chosen.map { .object(Self.encode($0)) })]
        case "ListTrails":
            return [
                "Trails": .array(
                    try await visibleTrails(caller).map {
                        ["TrailARN": .string($0.arn), "Name": .string($0.name), "HomeRegion": .string($0.region)]
                    })
            ]
        case "GetTrail":
            let name = CloudTrailShapes.GetTrailRequest(input).name
            return ["Trail": .object(Self.encode(try await find(name, caller)))]
        case "GetTrailStatus":
            let t = try await find(CloudTrailShapes.GetTrailStatusRequest(input).name, caller)
            var out: [String: JSONValue] = ["IsLogging": .bool(t.isLogging)]
            if let d = t.startLoggingTime {
                out["StartLoggingTime"] = Timestamp.epochSeconds(d)
                out["TimeLoggingStarted"] = .string(Timestamp.iso8601(d, fractional: false))
            }
            if let d = t.stopLoggingTime {
                out["StopLoggingTime"] = Timestamp.epochSeconds(d)
                out["TimeLoggingStopped"] = .string(Timestamp.iso8601(d, fractional: false))
            }
            return .object(out)
        case "StartLogging", "StopLogging":
            let starting = operation == "StartLogging"
            let name =
                starting ? CloudTrailShapes.StartLoggingRequest(input).name : CloudTrailShapes.StopLoggingRequest(input).name
            var t = try await find(name, caller)
            t.isLogging = starting
            if t.isLogging { t.startLoggingTime = clock.now } else { t.stopLoggingTime = clock.now }
            try await stored { [t] in try await trail.trails.putTrail(t) }
            trail.trailsChanged(accountId: t.accountId)
            return [:]
        case "DeleteTrail":
            let t = try await find(CloudTrailShapes.DeleteTrailRequest(input).name, caller)
            try await stored { try await trail.trails.deleteTrail(accountId: t.accountId, region: t.region, name: t.name) }
            trail.trailsChanged(accountId: t.accountId)
            return [:]
        case "GetEventSelectors":
            let t = try await find(CloudTrailShapes.GetEventSelectorsRequest(input).trailName, caller)
            var out = Self.encode(t.selectors)
            out["TrailARN"] = .string(t.arn)
            return .object(out)
        case "PutEventSelectors":
            let r = CloudTrailShapes.PutEventSelectorsRequest(input)
            let t = try await find(r.trailName, caller)
            // A multi-Region trail is configured from its home Region only.
            guard t.region == caller.region else {
                throw AWSError(
                    Errors.invalidHomeRegionException,
                    message: "The home region of trail \(t.arn) is \(t.region); call PutEventSelectors in that region.")
            }
            let selectors = try Self.selectors(r)
            let found = try await stored {
                try await trail.trails.putEventSelectors(selectors, accountId: t.accountId, region: t.region, name: t.name)
            }
            trail.trailsChanged(accountId: t.accountId)
            guard found else { throw Self.trailNotFound(r.trailName, caller) }
            var out = Self.encode(selectors)
            out["TrailARN"] = .string(t.arn)
            return .object(out)
        case "ListPublicKeys":
            guard let digestKey else { return ["PublicKeyList": []] }
            return [
                "PublicKeyList": [
                    [
                        "Value": .string(Base64.encode(digestKey.der)), "Fingerprint": .string(digestKey.fingerprint),
                        "ValidityStartTime": Timestamp.epochSeconds(Date(timeIntervalSince1970: 0)),
                        "ValidityEndTime": Timestamp.epochSeconds(clock.now.addingTimeInterval(365 * 86_400)),
                    ]
                ]
            ]
        default:
            throw AWSError(
                Errors.unsupportedOperationException, message: "\(operation) is not supported by this Rampart build yet.")
        }
    }

    func stored<T: Sendable>(_ body: () async throws -> T) async throws(AWSError) -> T {
        do {
            return try await body()
        } catch {
            throw .internalFailure("CloudTrailInternalException")
        }
    }

    /// The caller's trails in its region, and its multi-Region trails from any region.
    func visibleTrails(_ caller: Caller) async throws(AWSError) -> [CloudTrailTrail] {
        try await stored { try await trail.trails.trails(accountId: caller.accountId) }
            .filter { $0.region == caller.region || $0.isMultiRegionTrail }
    }

    func find(_ nameOrArn: String, _ caller: Caller) async throws(AWSError) -> CloudTrailTrail {
        guard let t = try await visibleTrails(caller).first(where: { $0.name == nameOrArn || $0.arn == nameOrArn }) else {
            throw Self.trailNotFound(nameOrArn, caller)
        }
        return t
    }

    static func trailNotFound(_ nameOrArn: String, _ caller: Caller) -> AWSError {
        let arn =
            nameOrArn.hasPrefix("arn:") ? nameOrArn : "arn:aws:cloudtrail:\(caller.region):\(caller.accountId):trail/\(nameOrArn)"
        return AWSError(Errors.trailNotFoundException, message: "Unknown trail: \(arn) for the user: \(caller.accountId)")
    }

    /// The selectors a PutEventSelectors request sets, with AWS's defaults filled in, or AWS's
    /// InvalidEventSelectorsException.
    static func selectors(_ r: CloudTrailShapes.PutEventSelectorsRequest) throws(AWSError) -> TrailEventSelectors {
        func invalid(_ message: String) -> AWSError { AWSError(Errors.invalidEventSelectorsException, message: message) }
        let selectors: TrailEventSelectors
        switch (r.eventSelectors, r.advancedEventSelectors) {
        case (.some, .some):
            throw invalid("You can use either EventSelectors or AdvancedEventSelectors, but not both.")
        case (nil, nil):
            throw invalid("Specify EventSelectors or AdvancedEventSelectors.")
        case (let basic?, nil):
            var converted: [EventSelector] = []
            for s in basic {
                var resources: [DataResource] = []
                for d in s.dataResources ?? [] {
                    guard let type = d.type else { throw invalid("Value null for DataResources.Type is invalid.") }
                    resources.append(DataResource(type: type, values: d.values ?? []))
                }
                converted.append(
                    EventSelector(
                        readWriteType: s.readWriteType.flatMap { EventSelector.ReadWriteType(rawValue: $0.rawValue) } ?? .all,
                        includeManagementEvents: s.includeManagementEvents ?? true, dataResources: resources,
                        excludeManagementEventSources: s.excludeManagementEventSources ?? []))
            }
            selectors = .basic(converted)
        case (nil, let advanced?):
            selectors = .advanced(
                advanced.map { a in
                    AdvancedEventSelector(
                        name: a.name,
                        fieldSelectors: a.fieldSelectors.map {
                            AdvancedFieldSelector(
                                field: $0.field, equals: $0.equals, startsWith: $0.startsWith, endsWith: $0.endsWith,
                                notEquals: $0.notEquals, notStartsWith: $0.notStartsWith, notEndsWith: $0.notEndsWith)
                        })
                })
        }
        if let problem = EventSelectorRules.problem(selectors) { throw invalid(problem) }
        return selectors
    }

    /// Selectors as GetEventSelectors and PutEventSelectors answer them.
    static func encode(_ selectors: TrailEventSelectors) -> [String: JSONValue] {
        switch selectors {
        case .basic(let selectors):
            return [
                "EventSelectors": .array(
                    selectors.map { s in
                        [
                            "ReadWriteType": .string(s.readWriteType.rawValue),
                            "IncludeManagementEvents": .bool(s.includeManagementEvents),
                            "DataResources": .array(
                                s.dataResources.map {
                                    ["Type": .string($0.type), "Values": .array($0.values.map(JSONValue.string))]
                                }),
                            "ExcludeManagementEventSources": .array(s.excludeManagementEventSources.map(JSONValue.string)),
                        ]
                    })
            ]
        case .advanced(let selectors):
            return [
                "AdvancedEventSelectors": .array(
                    selectors.map { s in
                        var out: [String: JSONValue] = [
                            "FieldSelectors": .array(
                                s.fieldSelectors.map { f in
                                    var condition: [String: JSONValue] = ["Field": .string(f.field)]
                                    let operators = [
                                        ("Equals", f.equals), ("StartsWith", f.startsWith), ("EndsWith", f.endsWith),
                                        ("NotEquals", f.notEquals), ("NotStartsWith", f.notStartsWith),
                                        ("NotEndsWith", f.notEndsWith),
                                    ]
                                    for (name, values) in operators {
                                        if let values { condition[name] = .array(values.map(JSONValue.string)) }
                                    }
                                    return .object(condition)
                                })
                        ]
                        if let name = s.name { out["Name"] = .string(name) }
                        return .object(out)
                    })
            ]
        }
    }

    static func encode(_ t: CloudTrailTrail) -> [String: JSONValue] {
        var out: [String: JSONValue] = [
            "Name": .string(t.name), "S3BucketName": .string(t.s3BucketName), "TrailARN": .string(t.arn),
            "IncludeGlobalServiceEvents": .bool(t.includeGlobalServiceEvents), "IsMultiRegionTrail": .bool(t.isMultiRegionTrail),
            "HomeRegion": .string(t.region), "LogFileValidationEnabled": .bool(t.logFileValidationEnabled),
            "HasCustomEventSelectors": .bool(t.eventSelectors != nil), "HasInsightSelectors": false,
            "IsOrganizationTrail": false,
        ]
        if let p = t.s3KeyPrefix { out["S3KeyPrefix"] = .string(p) }
        if let k = t.kmsKeyId { out["KmsKeyId"] = .string(k) }
        return out
    }

    static func encode(_ e: CloudTrailEvent) -> JSONValue {
        var out: [String: JSONValue] = [
            "EventId": .string(e.eventId), "EventName": .string(e.eventName), "ReadOnly": .string(e.readOnly ? "true" : "false"),
            "EventTime": Timestamp.epochSeconds(e.eventTime), "EventSource": .string(e.eventSource),
            "Resources": .array(e.resources.map { ["ResourceType": .string($0.type), "ResourceName": .string($0.name)] }),
            "CloudTrailEvent": .string(String(decoding: e.json, as: UTF8.self)),
        ]
        if let u = e.username { out["Username"] = .string(u) }
        if let k = e.accessKeyId { out["AccessKeyId"] = .string(k) }
        return .object(out)
    }
}
