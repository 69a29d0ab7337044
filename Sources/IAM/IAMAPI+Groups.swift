import AWSProtocol
import Foundation
import Identity
import ServiceKit

/// One IAM request, decoded and authorized: what the per-entity handlers need.
struct IAMCall {
    let input: RequestInput
    let account: String
    let caller: Caller
    let respond: ((inout XMLWriter) -> Void) -> Reply

    func name(_ member: String) -> String { input.string(member) ?? "" }
}

extension IAMAPI {
    typealias Call = IAMCall

    /// Groups and membership; nil for other actions.
    func handleGroups(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        let account = call.account
        switch action {
        case "CreateGroup":
            let group = try await iam.createGroup(
                accountId: account, groupName: call.name("GroupName"), path: call.input.string("Path"))
            return call.respond { Self.write(group, into: &$0) }
        case "GetGroup":
            let (group, users) = try await iam.getGroup(accountId: account, groupName: call.name("GroupName"))
            return call.respond { w in
                Self.write(group, into: &w)
                Self.writeList("Users", users, into: &w) { Self.write($0, into: &$1, element: "member", listed: true) }
            }
        case "ListGroups", "ListGroupsForUser":
            let groups =
                action == "ListGroups"
                ? try await iam.listGroups(accountId: account, pathPrefix: call.input.string("PathPrefix"))
                : try await iam.listGroupsForUser(accountId: account, userName: call.name("UserName"))
            return call.respond { Self.writeList("Groups", groups, into: &$0) { Self.write($0, into: &$1, element: "member") } }
        case "DeleteGroup":
            try await iam.deleteGroup(accountId: account, groupName: call.name("GroupName"))
        case "AddUserToGroup":
            try await iam.addUserToGroup(accountId: account, groupName: call.name("GroupName"), userName: call.name("UserName"))
        case "RemoveUserFromGroup":
            try await iam.removeUserFromGroup(
                accountId: account, groupName: call.name("GroupName"), userName: call.name("UserName"))
        default:
            return nil
        }
        return call.respond { _ in }
    }

    static func write(_ group: IAMGroup, into w: inout XMLWriter, element: String = "Group") {
        w.element(element) { g in
            g.element("Path", group.path)
            g.element("GroupName", group.groupName)
            g.element("GroupId", group.groupId)
            g.element("Arn", group.arn)
            g.element("CreateDate", Timestamp.iso8601(group.createDate, fractional: false))
        }
    }
}
