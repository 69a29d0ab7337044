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
        let members = CloudTrailShapes.OperationMembers(operation: operation, input: input)
        let trailName = members.name ?? members.trailName
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
            var out = CloudTrailShapes.LookupEventsResponse(events: page.map(Self.encode))
            if events.count > limit, let last = page.last {
                out.nextToken = Base64.encode(Array("\(last.eventTime.timeIntervalSince1970)|\(last.eventId)".utf8))
            }
            return out.jsonValue
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
            return CloudTrailShapes.CreateTrailResponse(
                name: created.name, s3BucketName: created.s3BucketName, s3KeyPrefix: created.s3KeyPrefix,
                includeGlobalServiceEvents: created.includeGlobalServiceEvents, isMultiRegionTrail: created.isMultiRegionTrail,
                trailARN: created.arn, logFileValidationEnabled: created.logFileValidationEnabled, kmsKeyId: created.kmsKeyId,
                isOrganizationTrail: false
            ).jsonValue
        case "DescribeTrails":
            let names = CloudTrailShapes.DescribeTrailsRequest(input).trailNameList ?? []
            let all = try await visibleTrails(caller)
            let chosen = names.isEmpty ? all : all.filter { names.contains($0.name) || names.contains($0.arn) }
            return CloudTrailShapes.DescribeTrailsResponse(trailList: chosen.map(Self.encode)).jsonValue
        case "ListTrails":
            return CloudTrailShapes.ListTrailsResponse(
                trails: try await visibleTrails(caller).map {
                    CloudTrailShapes.TrailInfo(trailARN: $0.arn, name: $0.name, homeRegion: $0.region)
                }
            ).jsonValue
        case "GetTrail":
            let name = CloudTrailShapes.GetTrailRequest(input).name
            return CloudTrailShapes.GetTrailResponse(trail: Self.encode(try await find(name, caller))).jsonValue
        case "GetTrailStatus":
            let t = try await find(CloudTrailShapes.GetTrailStatusRequest(input).name, caller)
            return CloudTrailShapes.GetTrailStatusResponse(
                isLogging: t.isLogging, startLoggingTime: t.startLoggingTime, stopLoggingTime: t.stopLoggingTime,
                timeLoggingStarted: t.startLoggingTime.map { Timestamp.iso8601($0, fractional: false) },
                timeLoggingStopped: t.stopLoggingTime.map { Timestamp.iso8601($0, fractional: false) }
            ).jsonValue
        case "StartLogging", "StopLogging":
            let starting = operation == "StartLogging"
            let name =
                starting ? CloudTrailShapes.StartLoggingRequest(input).name : CloudTrailShapes.StopLoggingRequest(input).name
            var t = try await find(name, caller)
            t.isLogging = starting
            if t.isLogging { t.startLoggingTime = clock.now } else { t.stopLoggingTime = clock.now }
            try await stored { [t] in try await trail.trails.putTrail(t) }
            trail.trailsChanged(accountId: t.accountId)
            return starting
                ? CloudTrailShapes.StartLoggingResponse().jsonValue : CloudTrailShapes.StopLoggingResponse().jsonValue
        case "DeleteTrail":
            let t = try await find(CloudTrailShapes.DeleteTrailRequest(input).name, caller)
            try await stored { try await trail.trails.deleteTrail(accountId: t.accountId, region: t.region, name: t.name) }
            trail.trailsChanged(accountId: t.accountId)
            return CloudTrailShapes.DeleteTrailResponse().jsonValue
        case "GetEventSelectors":
            let t = try await find(CloudTrailShapes.GetEventSelectorsRequest(input).trailName, caller)
            let (basic, advanced) = Self.encode(t.selectors)
            return CloudTrailShapes.GetEventSelectorsResponse(
                trailARN: t.arn, eventSelectors: basic, advancedEventSelectors: advanced
            ).jsonValue
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
            let (basic, advanced) = Self.encode(selectors)
            return CloudTrailShapes.PutEventSelectorsResponse(
                trailARN: t.arn, eventSelectors: basic, advancedEventSelectors: advanced
            ).jsonValue
        case "ListPublicKeys":
            guard let digestKey else { return CloudTrailShapes.ListPublicKeysResponse(publicKeyList: []).jsonValue }
            let key = CloudTrailShapes.PublicKey(
                value: digestKey.der, validityStartTime: Date(timeIntervalSince1970: 0),
                validityEndTime: clock.now.addingTimeInterval(365 * 86_400), fingerprint: digestKey.fingerprint)
            return CloudTrailShapes.ListPublicKeysResponse(publicKeyList: [key]).jsonValue
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

    /// Selectors as GetEventSelectors and PutEventSelectors answer them: basic or advanced.
    static func encode(
        _ selectors: TrailEventSelectors
    ) -> (basic: [CloudTrailShapes.EventSelector]?, advanced: [CloudTrailShapes.AdvancedEventSelector]?) {
        switch selectors {
        case .basic(let selectors):
            let basic = selectors.map { s in
                CloudTrailShapes.EventSelector(
                    readWriteType: CloudTrailShapes.ReadWriteType(rawValue: s.readWriteType.rawValue),
                    includeManagementEvents: s.includeManagementEvents,
                    dataResources: s.dataResources.map { CloudTrailShapes.DataResource(type: $0.type, values: $0.values) },
                    excludeManagementEventSources: s.excludeManagementEventSources)
            }
            return (basic, nil)
        case .advanced(let selectors):
            let advanced = selectors.map { s in
                CloudTrailShapes.AdvancedEventSelector(
                    name: s.name,
                    fieldSelectors: s.fieldSelectors.map { f in
                        CloudTrailShapes.AdvancedFieldSelector(
                            field: f.field, equals: f.equals, startsWith: f.startsWith, endsWith: f.endsWith,
                            notEquals: f.notEquals, notStartsWith: f.notStartsWith, notEndsWith: f.notEndsWith)
                    })
            }
            return (nil, advanced)
        }
    }

    static func encode(_ t: CloudTrailTrail) -> CloudTrailShapes.Trail {
        CloudTrailShapes.Trail(
            name: t.name, s3BucketName: t.s3BucketName, s3KeyPrefix: t.s3KeyPrefix,
            includeGlobalServiceEvents: t.includeGlobalServiceEvents, isMultiRegionTrail: t.isMultiRegionTrail,
            homeRegion: t.region, trailARN: t.arn, logFileValidationEnabled: t.logFileValidationEnabled, kmsKeyId: t.kmsKeyId,
            hasCustomEventSelectors: t.eventSelectors != nil, hasInsightSelectors: false, isOrganizationTrail: false)
    }

    static func encode(_ e: CloudTrailEvent) -> CloudTrailShapes.Event {
        CloudTrailShapes.Event(
            eventId: e.eventId, eventName: e.eventName, readOnly: e.readOnly ? "true" : "false", accessKeyId: e.accessKeyId,
            eventTime: e.eventTime, eventSource: e.eventSource, username: e.username,
            resources: e.resources.map { CloudTrailShapes.Resource(resourceType: $0.type, resourceName: $0.name) },
            cloudTrailEvent: String(decoding: e.json, as: UTF8.self))
    }
}
