import AWSProtocol
import Foundation
import Identity
import ServiceKit

extension IAMAPI {
    /// Setting and removing the permissions boundary of users and roles; nil for other actions.
    func handlePermissionsBoundaries(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        let owner: PolicyOwner
        let arn: String?
        switch action {
        case "PutUserPermissionsBoundary":
            (owner, arn) = (.user(call.name("UserName")), call.name("PermissionsBoundary"))
        case "DeleteUserPermissionsBoundary":
            (owner, arn) = (.user(call.name("UserName")), nil)
        case "PutRolePermissionsBoundary":
            (owner, arn) = (.role(call.name("RoleName")), call.name("PermissionsBoundary"))
        case "DeleteRolePermissionsBoundary":
            (owner, arn) = (.role(call.name("RoleName")), nil)
        default:
            return nil
        }
        try await iam.setPermissionsBoundary(accountId: call.account, owner: owner, arn: arn)
        return call.respond { _ in }
    }
}
