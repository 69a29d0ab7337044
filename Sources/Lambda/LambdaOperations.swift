import AWSProtocol
import ServiceKit

/// Lambda's operations as CloudTrail records them: reads are `Get*` and `List*`, Invoke is a data
/// event (recorded only when a trail's selectors ask for it) whose IAM action is
/// `lambda:InvokeFunction`.
enum LambdaOperations {
    static let readOnly = [
        "GetFunction", "GetFunctionConfiguration", "ListFunctions", "ListVersionsByFunction", "GetAlias", "ListAliases",
        "GetFunctionEventInvokeConfig", "ListFunctionEventInvokeConfigs", "GetPolicy", "GetFunctionConcurrency", "ListTags",
        "GetAccountSettings", "GetFunctionCodeSigningConfig", "GetRuntimeManagementConfig", "GetFunctionRecursionConfig",
    ]
    static let changes = [
        "CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration", "DeleteFunction", "PublishVersion",
        "CreateAlias", "UpdateAlias", "DeleteAlias", "Invoke", "PutFunctionEventInvokeConfig",
        "UpdateFunctionEventInvokeConfig", "DeleteFunctionEventInvokeConfig", "AddPermission", "RemovePermission",
        "PutFunctionConcurrency", "DeleteFunctionConcurrency", "TagResource", "UntagResource",
    ]

    static let table: OperationTable = {
        let listed = OperationTable(
            actionPrefix: "lambda", readOnly: readOnly, changes: changes, data: ["Invoke"],
            responseElements: .awsRecord
        ).adding(unserved: ServiceModel.lambda.operations.keys, actionPrefix: "lambda")
        var traits = listed.traits
        traits["Invoke"]?.action = "lambda:InvokeFunction"
        traits["InvokeAsync"]?.action = "lambda:InvokeFunction"
        return OperationTable(traits)
    }()
}
