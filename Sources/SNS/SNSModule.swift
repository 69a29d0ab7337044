import AWSProtocol
import Identity
import RampartCore
public import ServiceKit

/// Amazon SNS as the edge serves it: AWS Query, version 2010-03-31.
public enum SNSModule {
    public static let xmlns = "http://sns.amazonaws.com/doc/2010-03-31/"

    /// nil on a server without module tables (unit tests of the edge built on no database).
    public static func descriptor(_ context: ServiceContext) -> ServiceDescriptor? {
        guard let tables = context.tables else { return nil }
        let wakeup = Signals()
        let outbox = Outbox(tables: tables, vault: context.vault)
        let service = SNSService(
            topics: DocumentCollection<Topic>(store: context.documents, module: "sns", kind: "topic"),
            subscriptions: DocumentCollection<Subscription>(store: context.documents, module: "sns", kind: "subscription"),
            outbox: outbox, signing: SigningKeys(tables: tables, vault: context.vault, clock: context.clock),
            clock: context.clock, integrations: context.integrations, wakeup: wakeup)
        context.integrations.register(TopicSink(service: service), for: "sns")
        let loop = DeliveryLoop(
            outbox: outbox, integrations: context.integrations, clock: context.clock, wakeup: wakeup, logger: context.logger)
        return ServiceDescriptor(
            signingName: "sns", wire: .query(xmlns: xmlns, version: "2010-03-31"), model: .sns,
            operations: SNSOperations.table, handler: SNSAPI(service: service), auditing: SNSAuditing(),
            backgroundServices: [loop], migrations: Outbox.migrations + SigningKeys.migrations,
            anonymousRoutes: anonymousRoutes(service))
    }

    /// What AWS answers without a signature: the signing certificate (`SigningCertURL`), and
    /// the `SubscribeURL` and `UnsubscribeURL` links it sends (the token or the subscription ARN
    /// in the link is what authorizes them, as in AWS).
    static func anonymousRoutes(_ service: SNSService) -> [AnonymousRoute] {
        [
            AnonymousRoute(path: "/SimpleNotificationService-", pathPrefix: true, operation: "GetSigningCertificate") {
                request async throws(AWSError) -> Reply in
                let signer: MessageSigner
                do {
                    signer = try await service.signing.signer()
                } catch {
                    throw .snsInternal()
                }
                guard request.path == signer.certificatePath else {
                    throw AWSError(SNSShapes.ErrorCode.notFound, message: "Certificate does not exist")
                }
                return .rest(
                    status: 200, headers: [], body: Array(signer.certificatePEM.utf8), contentType: "application/x-pem-file")
            },
            AnonymousRoute(path: "/", action: "ConfirmSubscription", operation: "ConfirmSubscription") {
                request async throws(AWSError) -> Reply in
                let input = SNSShapes.ConfirmSubscriptionInput(members: request.members)
                guard !input.topicArn.isEmpty, !input.token.isEmpty else { throw .invalidParameter("Token") }
                let subscription = try await service.confirm(
                    topicArn: input.topicArn, token: input.token, authenticated: false)
                return .output(SNSShapes.ConfirmSubscriptionResponse(subscriptionArn: subscription.arn))
            },
            AnonymousRoute(path: "/", action: "Unsubscribe", operation: "Unsubscribe") {
                request async throws(AWSError) -> Reply in
                let arn = SNSShapes.UnsubscribeInput(members: request.members).subscriptionArn
                guard !arn.isEmpty else { throw .invalidParameter("SubscriptionArn") }
                let (subscription, topic) = try await service.subscription(arn: arn)
                guard subscription.authenticateOnUnsubscribe != true else {
                    throw .authorizationError("Unsubscribe requires authentication for this subscription")
                }
                try await service.unsubscribe(subscription, topic: topic, serviceEndpoint: request.endpoint)
                return .json([:])
            },
        ]
    }
}

/// What SNS's records carry: the topic acted on, and never a message, its subject or its
/// attributes' values.
struct SNSAuditing: CallAuditing {
    func resources(_ call: AuditContext) -> [(type: String, name: String)] {
        let arn =
            call.input?["TopicArn"]?.stringValue ?? call.input?["TargetArn"]?.stringValue
            ?? call.input?["ResourceArn"]?.stringValue ?? call.response?["TopicArn"]?.stringValue
        guard let arn, TopicRules.parseTopicArn(arn) != nil else { return [] }
        return [("AWS::SNS::Topic", arn)]
    }

    func requestParameters(_ parameters: inout [String: JSONValue], _ call: AuditContext) {
        Self.redact(&parameters)
        if case .array(let entries)? = parameters["publishBatchRequestEntries"] {
            parameters["publishBatchRequestEntries"] = .array(
                entries.map { entry in
                    guard case .object(var members) = entry else { return entry }
                    Self.redact(&members)
                    return .object(members)
                })
        }
    }

    /// Drops the message and subject, and keeps only the names and data types of attributes.
    static func redact(_ members: inout [String: JSONValue]) {
        members.removeValue(forKey: "message")
        members.removeValue(forKey: "subject")
        members.removeValue(forKey: "token")
        guard case .object(let attributes)? = members["messageAttributes"] else { return }
        members["messageAttributes"] = .object(
            attributes.mapValues { value in
                guard let type = value["dataType"] ?? value["DataType"] else { return .object([:]) }
                return ["dataType": type]
            })
    }
}
