import AWSProtocol
import ServiceKit

/// EventBridge's operations as CloudTrail records them: reads (`Describe*`, `List*`,
/// `TestEventPattern`) are read-only management events; PutEvents is a data event (CloudTrail
/// logs it only when selected, so an event never becomes a management record of its own).
/// Recorded answers use lowerCamelCase names at every level (`ruleArn`, `failedEntryCount`).
enum EventBridgeOperations {
    static let table = OperationTable(
        actionPrefix: "events",
        readOnly: [
            "DescribeEventBus", "ListEventBuses", "DescribeRule", "ListRules", "ListRuleNamesByTarget",
            "ListTargetsByRule", "ListTagsForResource", "TestEventPattern",
        ],
        changes: [
            "CreateEventBus", "DeleteEventBus", "PutPermission", "RemovePermission", "PutRule", "DeleteRule", "EnableRule",
            "DisableRule", "TagResource", "UntagResource", "PutTargets", "RemoveTargets", "PutEvents",
        ],
        data: ["PutEvents"],
        recordedResponseByOperation: [
            "CreateEventBus": ["EventBusArn"], "PutRule": ["RuleArn"],
            "PutTargets": ["FailedEntryCount", "FailedEntries"], "RemoveTargets": ["FailedEntryCount", "FailedEntries"],
        ],
        responseElements: .awsRecord
    ).adding(unserved: ServiceModel.eventBridge.operations.keys, actionPrefix: "events")
}
