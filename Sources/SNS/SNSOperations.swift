import AWSProtocol
import ServiceKit

/// SNS's operations as CloudTrail records them: Publish and PublishBatch are data events (AWS's
/// CloudTrail documentation for SNS); the rest are management events. Reads are read-only.
enum SNSOperations {
    static let table = OperationTable(
        actionPrefix: "sns",
        readOnly: [
            "GetTopicAttributes", "ListTopics", "GetSubscriptionAttributes", "ListSubscriptions",
            "ListSubscriptionsByTopic", "ListTagsForResource",
        ],
        changes: [
            "CreateTopic", "DeleteTopic", "SetTopicAttributes", "AddPermission", "RemovePermission", "Subscribe",
            "ConfirmSubscription", "Unsubscribe", "SetSubscriptionAttributes", "Publish", "PublishBatch", "TagResource",
            "UntagResource",
        ],
        data: ["Publish", "PublishBatch"],
        recordedResponse: ["TopicArn", "SubscriptionArn"],
        responseElements: .awsRecord
    ).adding(unserved: ServiceModel.sns.operations.keys, actionPrefix: "sns")
}
