import AWSProtocol
import Foundation
import Identity
import ServiceKit

/// One IAM request, decoded and authorized: what the per-entity handlers need. Each handler
/// reads the members of its operation's input shape (`IAMShapes`).
struct IAMCall {
    let input: RequestInput
    let account: String
    let caller: Caller
}

extension IAMAPI {
    typealias Call = IAMCall

    /// Groups and membership; nil for other actions.
    func handleGroups(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        let account = call.account
        switch action {
        case "CreateGroup":
            let request = IAMShapes.CreateGroupRequest(call.input)
            let group = try await iam.createGroup(accountId: account, groupName: request.groupName, path: request.path)
            return .output(IAMShapes.CreateGroupResponse(group: Self.group(group)))
        case "GetGroup":
            let request = IAMShapes.GetGroupRequest(call.input)
            let (group, users) = try await iam.getGroup(accountId: account, groupName: request.groupName)
            return .output(
                IAMShapes.GetGroupResponse(
                    group: Self.group(group), users: users.map { Self.user($0, listed: true) }, isTruncated: false))
        case "ListGroups":
            let request = IAMShapes.ListGroupsRequest(call.input)
            let groups = try await iam.listGroups(accountId: account, pathPrefix: request.pathPrefix)
            return .output(IAMShapes.ListGroupsResponse(groups: groups.map(Self.group), isTruncated: false))
        case "ListGroupsForUser":
            let request = IAMShapes.ListGroupsForUserRequest(call.input)
            let groups = try await iam.listGroupsForUser(accountId: account, userName: request.userName)
            return .output(IAMShapes.ListGroupsForUserResponse(groups: groups.map(Self.group), isTruncated: false))
        case "DeleteGroup":
            try await iam.deleteGroup(accountId: account, groupName: IAMShapes.DeleteGroupRequest(call.input).groupName)
        case "AddUserToGroup":
            let request = IAMShapes.AddUserToGroupRequest(call.input)
            try await iam.addUserToGroup(accountId: account, groupName: request.groupName, userName: request.userName)
        case "RemoveUserFromGroup":
            let request = IAMShapes.RemoveUserFromGroupRequest(call.input)
            try await iam.removeUserFromGroup(accountId: account, groupName: request.groupName, userName: request.userName)
        default:
            return nil
        }
        return .json([:])
    }

    static func group(_ group: IAMGroup) -> IAMShapes.Group {
        IAMShapes.Group(
            path: group.path, groupName: group.groupName, groupId: group.groupId, arn: group.arn, createDate: group.createDate)
    }
}
