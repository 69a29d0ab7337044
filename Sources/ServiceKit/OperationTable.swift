/// What CloudTrail calls an event's category: management events are on by default, data
/// events (an object read, a message sent, a function invoked) only when selected.
public enum EventCategory: String, Sendable {
    case management = "Management"
    case data = "Data"
}

/// How a change's response becomes its record's `responseElements`.
public enum ResponseElementsForm: Sendable, Hashable {
    /// The recorded members as they are, only their own names lowered (`KeyMetadata` →
    /// `keyMetadata`): KMS's records.
    case topLevelNames
    /// As AWS's IAM and STS records show a response: read against the model's output shape,
    /// lowerCamelCase names at every level, CloudTrail's dates, and no secret (`ResponseElements`).
    case awsRecord
}

/// What the edge needs to know of one operation besides its handler.
public struct OperationTraits: Sendable, Hashable {
    /// The IAM action, e.g. `kms:Encrypt`.
    public var action: String
    /// Whether CloudTrail records the call as read-only (from AWS's CloudTrail documentation,
    /// not from the name: KMS's Encrypt and Decrypt are read-only).
    public var readOnly: Bool
    public var category: EventCategory
    /// Response members a record may carry as `responseElements` (never a secret).
    public var recordedResponse: Set<String>
    public var responseElements: ResponseElementsForm
    /// The record's `eventName` when AWS's differs from the operation's (Lambda's carry the API
    /// version: `CreateFunction20150331`).
    public var eventName: String?

    public init(
        action: String, readOnly: Bool, category: EventCategory = .management, recordedResponse: Set<String> = [],
        responseElements: ResponseElementsForm = .topLevelNames
    ) {
        self.action = action
        self.readOnly = readOnly
        self.category = category
        self.recordedResponse = recordedResponse
        self.responseElements = responseElements
    }
}

/// The operations a service serves, by name. An operation that is not here is unknown to the
/// edge: rejected before it is logged, authorized or handled, even when the model has it.
public struct OperationTable: Sendable {
    public let traits: [String: OperationTraits]

    public init(_ traits: [String: OperationTraits]) {
        self.traits = traits
    }

    /// A table from lists: `readOnly` and `changes` name every served operation once; each is
    /// `<actionPrefix>:<Operation>`; `recordedResponse` applies to every change, and
    /// `recordedResponseByOperation` adds to it; `responseElements` says how they are recorded.
    public init(
        actionPrefix: String, readOnly: [String], changes: [String], data: Set<String> = [],
        recordedResponse: Set<String> = [], recordedResponseByOperation: [String: Set<String>] = [:],
        responseElements: ResponseElementsForm = .topLevelNames
    ) {
        var traits: [String: OperationTraits] = [:]
        for name in readOnly {
            traits[name] = OperationTraits(
                action: "\(actionPrefix):\(name)", readOnly: true, category: data.contains(name) ? .data : .management)
        }
        for name in changes {
            precondition(traits[name] == nil, "\(name) is listed as read-only and as a change")
            traits[name] = OperationTraits(
                action: "\(actionPrefix):\(name)", readOnly: false, category: data.contains(name) ? .data : .management,
                recordedResponse: recordedResponse.union(recordedResponseByOperation[name] ?? []),
                responseElements: responseElements)
        }
        self.traits = traits
    }

    public subscript(_ operation: String) -> OperationTraits? { traits[operation] }

    public var names: Dictionary<String, OperationTraits>.Keys { traits.keys }
}

extension OperationTable {
    /// The table with the model's other operations added, so that a call to one is answered by
    /// the service's handler ("not supported by this Rampart build") and recorded, rather than
    /// refused as unknown. They are not served, so their records only ever carry an error;
    /// their read-only flag follows AWS's naming (`Get`, `List`, `Describe`, `Lookup`).
    public func adding(unserved operations: some Sequence<String>, actionPrefix: String) -> OperationTable {
        var all = traits
        for name in operations where all[name] == nil {
            let readOnly = ["Get", "List", "Describe", "Lookup"].contains { name.hasPrefix($0) }
            all[name] = OperationTraits(action: "\(actionPrefix):\(name)", readOnly: readOnly)
        }
        return OperationTable(all)
    }
}
