import AWSProtocol
import ServiceKit

/// CloudWatch Logs' operations as CloudTrail records them: `Describe*` and `List*` calls are
/// read-only management events; writing and reading log events (PutLogEvents, GetLogEvents,
/// FilterLogEvents) are data-plane calls, recorded only when a trail's selectors ask for them,
/// so that a function's logging never floods the trail.
enum LogsOperations {
    static let table = OperationTable(
        actionPrefix: "logs",
        readOnly: [
            "DescribeLogGroups", "DescribeLogStreams", "GetLogEvents", "FilterLogEvents", "ListTagsForResource",
            "ListTagsLogGroup",
        ],
        changes: [
            "CreateLogGroup", "DeleteLogGroup", "CreateLogStream", "DeleteLogStream", "PutLogEvents", "PutRetentionPolicy",
            "DeleteRetentionPolicy", "TagResource", "UntagResource", "TagLogGroup", "UntagLogGroup",
        ],
        data: ["PutLogEvents", "GetLogEvents", "FilterLogEvents"],
        recordedResponseByOperation: [:],
        responseElements: .awsRecord
    ).adding(unserved: ServiceModel.cloudWatchLogs.operations.keys, actionPrefix: "logs")
}
