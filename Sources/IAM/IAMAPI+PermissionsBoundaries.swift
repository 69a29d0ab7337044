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
            let request = IAMShapes.PutUserPermissionsBoundaryRequest(call.input)
            (owner, arn) = (.user(request.userName), request.permissionsBoundary)
        case "DeleteUserPermissionsBoundary":
            (owner, arn) = (.user(IAMShapes.DeleteUserPermissionsBoundaryRequest(call.input).userName), nil)
        case "PutRolePermissionsBoundary":
            let request = IAMShapes.PutRolePermissionsBoundaryRequest(call.input)
            (owner, arn) = (.role(request.roleName), request.permissionsBoundary)
        case "DeleteRolePermissionsBoundary":
            (owner, arn) = (.role(IAMShapes.DeleteRolePermissionsBoundaryRequest(call.input).roleName), nil)
        default:
            return nil
        }
        try await iam.setPermissionsBoundary(accountId: call.account, owner: owner, arn: arn)
        return .json([:])
    }
}
