public import AWSProtocol
import Foundation
import RampartCore

extension IAMService {
    public func createGroup(accountId: String, groupName: String, path: String?) async throws(AWSError) -> IAMGroup {
        try Self.checkName(groupName, what: "groupName")
        let path = try Self.checkPath(path)
        return try await serialized { () async throws(AWSError) -> IAMGroup in
            if try await existing(IAMGroup.self, accountId: accountId, name: groupName) != nil {
                throw .entityAlreadyExists("Group with name \(groupName) already exists.")
            }
            let group = IAMGroup(
                accountId: accountId, groupName: groupName, groupId: IdentityIdentifiers.uniqueId(prefix: "AGPA"), path: path,
                createDate: clock.now, members: [], attachedPolicies: [])
            try await stored { try await self.store.putEntity(group) }
            return group
        }
    }

    public func group(accountId: String, name: String) async throws(AWSError) -> IAMGroup {
        guard let group = try await stored({ try await self.store.entity(IAMGroup.self, accountId: accountId, name: name) })
        else { throw .noSuchEntity("The group with name \(name) cannot be found.") }
        return group
    }

    /// The group and its members.
    public func getGroup(accountId: String, groupName: String) async throws(AWSError) -> (IAMGroup, [IAMUser]) {
        let group = try await group(accountId: accountId, name: groupName)
        var users: [IAMUser] = []
        for name in group.members.sorted() {
            if let user = try await stored({ try await self.store.user(accountId: accountId, userName: name) }) {
                users.append(user)
            }
        }
        return (group, users)
    }

    public func listGroups(accountId: String, pathPrefix: String?) async throws(AWSError) -> [IAMGroup] {
        try await stored { try await self.store.entities(IAMGroup.self, accountId: accountId) }
            .filter { $0.path.hasPrefix(pathPrefix ?? "/") }
    }

    public func listGroupsForUser(accountId: String, userName: String) async throws(AWSError) -> [IAMGroup] {
        _ = try await getUser(accountId: accountId, userName: userName)
        return try await listGroups(accountId: accountId, pathPrefix: nil).filter { $0.members.contains(userName) }
    }

    public func deleteGroup(accountId: String, groupName: String) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            let group = try await group(accountId: accountId, name: groupName)
            if !group.members.isEmpty { throw .deleteConflict("Cannot delete entity, must remove users from group first.") }
            if !(try await stored({ try await self.store.inlinePolicies(accountId: accountId, owner: .group(groupName)) }))
                .isEmpty
            {
                throw .deleteConflict("Cannot delete entity, must delete policies first.")
            }
            if !group.attachedPolicies.isEmpty { throw .deleteConflict("Cannot delete entity, must detach all policies first.") }
            try await stored { try await self.store.deleteEntity(IAMGroup.self, accountId: accountId, name: groupName) }
            invalidatePolicies()
        }
    }

    public func addUserToGroup(accountId: String, groupName: String, userName: String) async throws(AWSError) {
        try await changeMembership(accountId: accountId, groupName: groupName, userName: userName) { members in
            if !members.contains(userName) { members.append(userName) }
        }
    }

    public func removeUserFromGroup(accountId: String, groupName: String, userName: String) async throws(AWSError) {
        try await changeMembership(accountId: accountId, groupName: groupName, userName: userName) { members in
            members.removeAll { $0 == userName }
        }
    }

    func changeMembership(
        accountId: String, groupName: String, userName: String, _ change: (inout [String]) -> Void
    ) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            var group = try await group(accountId: accountId, name: groupName)
            _ = try await getUser(accountId: accountId, userName: userName)
            change(&group.members)
            try await stored { try await self.store.putEntity(group) }
            invalidatePolicies()
        }
    }

    /// An entity of a kind by name, IAM's names being unique per account case-insensitively.
    func existing<E: IAMEntity>(_ type: E.Type, accountId: String, name: String) async throws(AWSError) -> E? {
        try await stored { try await self.store.entities(E.self, accountId: accountId) }
            .first { $0.entityName.lowercased() == name.lowercased() }
    }

    static func checkPath(_ path: String?) throws(AWSError) -> String {
        let path = path ?? "/"
        guard path.hasPrefix("/"), path.hasSuffix("/"), path.utf8.count <= 512 else {
            throw .iamValidation(
                "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."
            )
        }
        return path
    }
}
