import AWSProtocol
import Identity
import RampartCore
public import ServiceKit

/// Amazon SQS as the edge serves it: AWS JSON 1.0 under `AmazonSQS` with query-compatible
/// errors, and beside it the AWS Query protocol older clients speak (form parameters, XML answers
/// in SQS's namespace, the Query error codes), to the same handler.
public enum SQSModule {
    /// SQS's Query namespace and API version.
    static let xmlns = "http://queue.amazonaws.com/doc/2012-11-05/"

    /// nil on a server without module tables (unit tests of the edge built on no database).
    public static func descriptor(_ context: ServiceContext) -> ServiceDescriptor? {
        guard let tables = context.tables else { return nil }
        let service = SQSService(
            queues: DocumentCollection<Queue>(store: context.documents, module: "sqs", kind: "queue"),
            messages: MessageStore(tables: tables), clock: context.clock,
            keys: QueueKeys(integrations: context.integrations, clock: context.clock))
        context.integrations.register(QueueSink(service: service), for: "sqs")
        return ServiceDescriptor(
            signingName: "sqs",
            wire: .json(targetPrefix: "AmazonSQS", version: .version10, queryErrors: SQSErrors.queryCodes),
            .query(
                xmlns: xmlns, version: "2012-11-05",
                dialect: QueryDialect(errorCodes: SQSErrors.queryCodes, pathMember: "QueueUrl", errorDetail: true)),
            model: modelAsServed, operations: SQSOperations.table, handler: SQSAPI(service: service), auditing: SQSAuditing(),
            migrations: MessageStore.migrations)
    }
}

extension SQSModule {
    /// SQS's front end leaves attribute names to the service, which answers an unknown one with
    /// `InvalidAttributeName`.
    static let modelAsServed: ServiceModel = {
        var model = ServiceModel.sqs
        model.checksEnums = false
        return model
    }()
}

/// What SQS's records carry: the queue acted on, and never a message's body or attribute values.
struct SQSAuditing: CallAuditing {
    func resources(_ call: AuditContext) -> [(type: String, name: String)] {
        guard let url = call.input?["QueueUrl"]?.stringValue, let address = QueueAddress(url: url) else { return [] }
        return [("AWS::SQS::Queue", "arn:aws:sqs:\(call.caller.region):\(address.accountId):\(address.name)")]
    }

    func requestParameters(_ parameters: inout [String: JSONValue], _ call: AuditContext) {
        Self.redact(&parameters)
        if case .array(let entries)? = parameters["entries"] {
            parameters["entries"] = .array(
                entries.map { entry in
                    guard case .object(var members) = entry else { return entry }
                    Self.redact(&members)
                    return .object(members)
                })
        }
    }

    /// Drops the body and keeps only the names and data types of message attributes.
    static func redact(_ members: inout [String: JSONValue]) {
        members.removeValue(forKey: "messageBody")
        for key in ["messageAttributes", "messageSystemAttributes"] {
            guard case .object(let attributes)? = members[key] else { continue }
            members[key] = .object(
                attributes.mapValues { value in
                    guard let type = value["dataType"] ?? value["DataType"] else { return .object([:]) }
                    return ["dataType": type]
                })
        }
    }
}
