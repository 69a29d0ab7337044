import AWSProtocol
import AccessControl
import Identity
import Policy

/// A function's resource policy, as AddPermission writes its statements and GetPolicy shows
/// them: who may invoke (or otherwise act on) the function, on what conditions.
enum FunctionPolicy {
    static let maxBytes = 20_480

    /// The policy document, or nil when the function has no statement.
    static func document(_ function: StoredFunction) -> String? {
        guard !function.policyStatements.isEmpty else { return nil }
        return "{\"Version\":\"2012-10-17\",\"Id\":\"default\",\"Statement\":[" + function.policyStatements.joined(separator: ",")
            + "]}"
    }

    /// The statement AddPermission adds, as AWS writes it: an account id becomes its root ARN,
    /// a service name stays a `Service` principal, `SourceArn` is an `ArnLike` condition on
    /// `AWS:SourceArn`, `SourceAccount` a `StringEquals` on `AWS:SourceAccount`.
    static func statement(
        sid: String, action: String, principal: String, resource: String, sourceArn: String?, sourceAccount: String?,
        principalOrgId: String?, eventSourceToken: String?
    ) throws(AWSError) -> String {
        let who: JSONValue
        if principal == "*" {
            who = "*"
        } else if principal.count == 12, principal.allSatisfy(\.isNumber) {
            who = ["AWS": .string("arn:aws:iam::\(principal):root")]
        } else if principal.hasPrefix("arn:") {
            who = ["AWS": .string(principal)]
        } else if principal.contains(".") {
            who = ["Service": .string(principal)]
        } else {
            throw .lambdaInvalidParameter("The provided principal was invalid. Please check the principal and try again.")
        }
        let actionName = action.contains(":") ? action : "lambda:\(action)"
        guard actionName.hasPrefix("lambda:") else {
            throw .lambdaInvalidParameter(
                "1 validation error detected: Value '\(action)' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])"
            )
        }
        var condition: [String: JSONValue] = [:]
        if let sourceArn { condition["ArnLike"] = ["AWS:SourceArn": .string(sourceArn)] }
        var equals: [String: JSONValue] = [:]
        if let sourceAccount { equals["AWS:SourceAccount"] = .string(sourceAccount) }
        if let principalOrgId { equals["aws:PrincipalOrgID"] = .string(principalOrgId) }
        if let eventSourceToken { equals["lambda:EventSourceToken"] = .string(eventSourceToken) }
        if !equals.isEmpty { condition["StringEquals"] = .object(equals) }
        var statement: [String: JSONValue] = [
            "Sid": .string(sid), "Effect": "Allow", "Principal": who, "Action": .string(actionName),
            "Resource": .string(resource),
        ]
        if !condition.isEmpty { statement["Condition"] = .object(condition) }
        return String(decoding: JSONValue.object(statement).serialized(), as: UTF8.self)
    }

    static func sid(of statement: String) -> String? {
        (try? JSONParser.parse(Array(statement.utf8)))?["Sid"]?.stringValue
    }

    /// Decides `caller`'s `action` on a function (`resource`: its ARN, qualified or not) as AWS
    /// does: within the function's account its policies or the function's policy, across accounts
    /// both, a service principal only through the function's policy. Lambda's `AccessDeniedException`
    /// (403) when refused. With no function (it does not exist), the caller's policies alone.
    static func authorize(
        _ caller: Caller, _ action: String, resource: String, function: StoredFunction?
    ) -> AWSError? {
        let account = function?.accountId ?? (ARN(resource)?.accountId).flatMap { $0.isEmpty ? nil : $0 } ?? caller.accountId
        guard
            let denial = Authorization.authorize(
                caller, action: action, resource: resource, resourceAccount: account,
                resourcePolicy: function.flatMap(document), rule: .optional)
        else { return nil }
        return AWSError(code: "AccessDeniedException", message: denial.message, httpStatus: 403)
    }
}
