import AWSProtocol
import ServiceKit

/// SQS's operations as CloudTrail records them: sending, receiving, deleting and changing the
/// visibility of messages are data events (AWS's CloudTrail documentation for SQS); the rest
/// are management events. Reads of queues and messages are read-only.
enum SQSOperations {
    static let table = OperationTable(
        actionPrefix: "sqs",
        readOnly: [
            "GetQueueAttributes", "GetQueueUrl", "ListQueues", "ListQueueTags", "ListDeadLetterSourceQueues",
            "ReceiveMessage",
        ],
        changes: [
            "CreateQueue", "DeleteQueue", "SetQueueAttributes", "AddPermission", "RemovePermission", "PurgeQueue", "TagQueue",
            "UntagQueue", "SendMessage",
            "SendMessageBatch", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility",
            "ChangeMessageVisibilityBatch",
        ],
        data: [
            "SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
            "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
        ],
        recordedResponse: ["QueueUrl"]
    ).adding(unserved: ServiceModel.sqs.operations.keys, actionPrefix: "sqs")
}
