import AWSProtocol
import AccessControl
import Identity
import Policy

/// Whether Lambda may assume a function's execution role: the role exists and its trust policy
/// lets `lambda.amazonaws.com` assume it, as CreateFunction and UpdateFunctionConfiguration check.
struct RoleCheck: Sendable {
    let iam: IAMService

    func check(_ roleArn: String, caller: Caller) async throws(AWSError) {
        guard let arn = ARN(roleArn), arn.service == "iam", arn.resourcePath.first == "role",
            let name = arn.resourcePath.last
        else {
            throw .lambdaInvalidParameter("The role defined for the function cannot be assumed by Lambda.")
        }
        guard arn.accountId == caller.accountId else {
            throw .lambdaInvalidParameter("The role defined for the function cannot be assumed by Lambda.")
        }
        let role = try? await iam.getRole(accountId: arn.accountId, roleName: String(name))
        let lambda = Caller.service("lambda.amazonaws.com", region: caller.region, sourceArn: nil, sourceAccount: nil)
        guard let role,
            Authorization.evaluate(
                lambda, action: "sts:AssumeRole", resource: role.arn, resourceAccount: role.accountId,
                resourcePolicy: role.assumeRolePolicy, rule: .optional
            ).isAllowed
        else {
            throw .lambdaInvalidParameter("The role defined for the function cannot be assumed by Lambda.")
        }
    }
}
