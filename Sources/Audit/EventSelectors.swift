/// A trail's event selectors, as PutEventSelectors sets them: either basic selectors or
/// advanced ones, never both (AWS's rule).
public enum TrailEventSelectors: Sendable, Hashable, Codable {
    case basic([EventSelector])
    case advanced([AdvancedEventSelector])

    /// What a trail created without selectors has: read and write management events, no data
    /// events (as GetEventSelectors of a fresh trail answers).
    public static let `default` = TrailEventSelectors.basic([
        EventSelector(readWriteType: .all, includeManagementEvents: true, dataResources: [], excludeManagementEventSources: [])
    ])
}

/// A basic event selector (AWS's `EventSelector`).
public struct EventSelector: Sendable, Hashable, Codable {
    public enum ReadWriteType: String, Sendable, Hashable, Codable, CaseIterable {
        case readOnly = "ReadOnly"
        case writeOnly = "WriteOnly"
        case all = "All"
    }

    public var readWriteType: ReadWriteType
    public var includeManagementEvents: Bool
    public var dataResources: [DataResource]
    /// Event sources whose management events are left out (`kms.amazonaws.com`, `rdsdata.amazonaws.com`).
    public var excludeManagementEventSources: [String]

    public init(
        readWriteType: ReadWriteType, includeManagementEvents: Bool, dataResources: [DataResource],
        excludeManagementEventSources: [String]
    ) {
        self.readWriteType = readWriteType
        self.includeManagementEvents = includeManagementEvents
        self.dataResources = dataResources
        self.excludeManagementEventSources = excludeManagementEventSources
    }
}

/// The data events of one resource type a basic selector logs: resources whose ARN the values
/// name (S3: an object ARN prefix; Lambda, DynamoDB: the exact ARN), or all of the type's
/// resources with the service's bare prefix (`arn:aws:s3`, `arn:aws:lambda`, `arn:aws:dynamodb`).
public struct DataResource: Sendable, Hashable, Codable {
    public var type: String
    public var values: [String]

    public init(type: String, values: [String]) {
        self.type = type
        self.values = values
    }

    /// The resource types basic selectors support; every other type needs advanced selectors.
    public static let basicTypes = ["AWS::S3::Object", "AWS::Lambda::Function", "AWS::DynamoDB::Table"]

    /// The value that selects every resource of `type`, e.g. `arn:aws:s3`.
    static func allValue(_ type: String) -> String? {
        switch type {
        case "AWS::S3::Object": "arn:aws:s3"
        case "AWS::Lambda::Function": "arn:aws:lambda"
        case "AWS::DynamoDB::Table": "arn:aws:dynamodb"
        default: nil
        }
    }
}

/// An advanced event selector: every field selector must match (AND).
public struct AdvancedEventSelector: Sendable, Hashable, Codable {
    public var name: String?
    public var fieldSelectors: [AdvancedFieldSelector]

    public init(name: String?, fieldSelectors: [AdvancedFieldSelector]) {
        self.name = name
        self.fieldSelectors = fieldSelectors
    }
}

/// One condition of an advanced selector: a field of the record and the values it must (or
/// must not) equal, start or end with.
public struct AdvancedFieldSelector: Sendable, Hashable, Codable {
    public var field: String
    public var equals: [String]?
    public var startsWith: [String]?
    public var endsWith: [String]?
    public var notEquals: [String]?
    public var notStartsWith: [String]?
    public var notEndsWith: [String]?

    public init(
        field: String, equals: [String]? = nil, startsWith: [String]? = nil, endsWith: [String]? = nil,
        notEquals: [String]? = nil, notStartsWith: [String]? = nil, notEndsWith: [String]? = nil
    ) {
        self.field = field
        self.equals = equals
        self.startsWith = startsWith
        self.endsWith = endsWith
        self.notEquals = notEquals
        self.notStartsWith = notStartsWith
        self.notEndsWith = notEndsWith
    }

    /// How many values its conditions hold (AWS counts them against the trail's 500).
    public var valueCount: Int {
        [equals, startsWith, endsWith, notEquals, notStartsWith, notEndsWith].reduce(0) { $0 + ($1?.count ?? 0) }
    }

    /// Whether `value` satisfies the conditions: one of the including conditions (if any) and
    /// none of the excluding ones.
    func matches(_ value: String) -> Bool {
        let including = [equals, startsWith, endsWith].contains { $0 != nil }
        if including {
            let included =
                (equals ?? []).contains(value) || (startsWith ?? []).contains { value.hasPrefix($0) }
                || (endsWith ?? []).contains { value.hasSuffix($0) }
            guard included else { return false }
        }
        return !(notEquals ?? []).contains(value) && !(notStartsWith ?? []).contains { value.hasPrefix($0) }
            && !(notEndsWith ?? []).contains { value.hasSuffix($0) }
    }
}

/// What selectors look at in an event.
public struct SelectableEvent: Sendable {
    public var isDataEvent: Bool
    /// `sqs.amazonaws.com`, …
    public var eventSource: String
    public var eventName: String
    public var readOnly: Bool
    public var eventType: String
    /// `[(type, ARN)]` as the record's `resources`.
    public var resources: [(type: String, arn: String)]
    public var userIdentityArn: String?

    public init(
        isDataEvent: Bool, eventSource: String, eventName: String, readOnly: Bool, eventType: String = "AwsApiCall",
        resources: [(type: String, arn: String)], userIdentityArn: String? = nil
    ) {
        self.isDataEvent = isDataEvent
        self.eventSource = eventSource
        self.eventName = eventName
        self.readOnly = readOnly
        self.eventType = eventType
        self.resources = resources
        self.userIdentityArn = userIdentityArn
    }
}

extension TrailEventSelectors {
    /// Whether a trail with these selectors logs `event` (CloudTrail's rule: an event is logged
    /// when it matches any selector). Pure.
    public func selects(_ event: SelectableEvent) -> Bool {
        switch self {
        case .basic(let selectors): selectors.contains { $0.selects(event) }
        case .advanced(let selectors): selectors.contains { $0.selects(event) }
        }
    }

    /// Whether any selector can select a data event: trails without one are skipped on the hot path.
    public var selectsDataEvents: Bool {
        switch self {
        case .basic(let selectors): selectors.contains { !$0.dataResources.isEmpty }
        case .advanced(let selectors):
            selectors.contains { s in s.fieldSelectors.contains { $0.field == "eventCategory" && $0.equals == ["Data"] } }
        }
    }
}

extension EventSelector {
    func selects(_ event: SelectableEvent) -> Bool {
        switch readWriteType {
        case .readOnly where !event.readOnly, .writeOnly where event.readOnly: return false
        default: break
        }
        guard event.isDataEvent else {
            return includeManagementEvents && !excludeManagementEventSources.contains(event.eventSource)
        }
        return dataResources.contains { resource in
            event.resources.contains { r in r.type == resource.type && resource.values.contains { resource.names(r.arn, by: $0) }
            }
        }
    }
}

extension DataResource {
    /// Whether `value` names the resource `arn`: the type's bare prefix names every resource,
    /// an S3 value is an object ARN prefix, and the other types' values are exact ARNs.
    func names(_ arn: String, by value: String) -> Bool {
        if value == Self.allValue(type) { return arn.hasPrefix(value + ":") }
        return type == "AWS::S3::Object" ? arn.hasPrefix(value) : arn == value
    }
}

extension AdvancedEventSelector {
    func selects(_ event: SelectableEvent) -> Bool {
        var resourceConditions: [AdvancedFieldSelector] = []
        for condition in fieldSelectors {
            let value: String?
            switch condition.field {
            case "eventCategory": value = event.isDataEvent ? "Data" : "Management"
            case "readOnly": value = event.readOnly ? "true" : "false"
            case "eventName": value = event.eventName
            case "eventSource": value = event.eventSource
            case "eventType": value = event.eventType
            case "userIdentity.arn": value = event.userIdentityArn ?? ""
            // Calls reach Rampart through its API, never from AWS's console.
            case "sessionCredentialFromConsole": value = "false"
            case "resources.type", "resources.ARN":
                resourceConditions.append(condition)
                continue
            default: return false
            }
            guard let value, condition.matches(value) else { return false }
        }
        guard !resourceConditions.isEmpty else { return true }
        // The resource conditions hold of one and the same resource.
        return event.resources.contains { resource in
            resourceConditions.allSatisfy { $0.matches($0.field == "resources.type" ? resource.type : resource.arn) }
        }
    }
}
