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
        for (operation, http) in ServiceModel.lambda.http where operation != "Invoke" {
            traits[operation]?.eventName = eventName(operation, requestURI: http.requestURI)
        }
        return OperationTable(traits)
    }()

    /// Operations whose records AWS names with a `v2` after the API version.
    static let secondVersions: Set = [
        "GetFunction", "GetFunctionConfiguration", "UpdateFunctionCode", "UpdateFunctionConfiguration", "AddPermission",
        "RemovePermission", "GetPolicy", "TagResource", "UntagResource",
    ]

    /// The `eventName` CloudTrail gives a Lambda call: the operation followed by the API version
    /// of its URI (`/2015-03-31/functions` → `CreateFunction20150331`), and `v2` for some.
    static func eventName(_ operation: String, requestURI: String) -> String {
        let version = requestURI.split(separator: "/").first.map { $0.filter(\.isNumber) } ?? ""
        guard version.count == 8 else { return operation }
        return operation + version + (secondVersions.contains(operation) ? "v2" : "")
    }
}
