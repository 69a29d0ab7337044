import AWSProtocol
import AccessControl
import Identity
import Policy

/// Whether Lambda may assume a function's execution role: the role exists and its trust policy
/// lets `lambda.amazonaws.com` assume it, as CreateFunction and UpdateFunctionConfiguration check
/// and as every cold start does again when it assumes the role.
struct RoleCheck: Sendable {
    let iam: IAMService

    static func cannotAssume() -> AWSError {
        .lambdaInvalidParameter("The role defined for the function cannot be assumed by Lambda.")
    }

    func check(_ roleArn: String, caller: Caller) async throws(AWSError) {
        guard let arn = ARN(roleArn), arn.service == "iam", arn.resourcePath.first == "role",
            let name = arn.resourcePath.last, arn.accountId == caller.accountId
        else { throw Self.cannotAssume() }
        let role = try? await iam.getRole(accountId: arn.accountId, roleName: String(name))
        let lambda = Caller.service("lambda.amazonaws.com", region: caller.region, sourceArn: nil, sourceAccount: nil)
        if let refusal = Self.refusal(lambda, role) { throw refusal }
    }

    /// Why `lambda` (Lambda's service principal) may not assume `role`, or nil: the role's trust
    /// policy alone decides, as for every service principal.
    static func refusal(_ lambda: Caller, _ role: IAMRole?) -> AWSError? {
        guard let role,
            Authorization.evaluate(
                lambda, action: "sts:AssumeRole", resource: role.arn, resourceAccount: role.accountId,
                resourcePolicy: role.assumeRolePolicy, rule: .optional
            ).isAllowed
        else { return cannotAssume() }
        return nil
    }
}
