public import AWSProtocol
import Foundation
import RampartCore

extension IAMService {
    /// AWS's quota of roles per instance profile (InstanceSessionsPerInstanceProfile), which
    /// cannot be raised.
    public static let maxRolesPerInstanceProfile = 1

    public func createInstanceProfile(
        accountId: String, name: String, path: String?, tags: [IAMTag]
    ) async throws(AWSError) -> IAMInstanceProfile {
        try Self.checkName(name, what: "instanceProfileName")
        let path = try Self.checkPath(path)
        guard tags.count <= 50 else { throw .iamLimitExceeded("Cannot exceed quota for TagsPerInstanceProfile: 50") }
        return try await serialized { () async throws(AWSError) -> IAMInstanceProfile in
            if try await existing(IAMInstanceProfile.self, accountId: accountId, name: name) != nil {
                throw .entityAlreadyExists("Instance Profile \(name) already exists.")
            }
            let profile = IAMInstanceProfile(
                accountId: accountId, instanceProfileName: name,
                instanceProfileId: IdentityIdentifiers.uniqueId(prefix: "AIPA"), path: path, createDate: clock.now, roles: [],
                tags: tags)
            try await stored { try await self.store.putEntity(profile) }
            return profile
        }
    }

    public func instanceProfile(accountId: String, name: String) async throws(AWSError) -> IAMInstanceProfile {
        guard
            let profile = try await stored({
                try await self.store.entity(IAMInstanceProfile.self, accountId: accountId, name: name)
            })
        else { throw .noSuchEntity("Instance Profile \(name) cannot be found.") }
        return profile
    }

    public func listInstanceProfiles(accountId: String, pathPrefix: String?) async throws(AWSError) -> [IAMInstanceProfile] {
        try await stored { try await self.store.entities(IAMInstanceProfile.self, accountId: accountId) }
            .filter { $0.path.hasPrefix(pathPrefix ?? "/") }
            .sorted { $0.instanceProfileName < $1.instanceProfileName }
    }

    /// The instance profiles that hold the role (NoSuchEntity when the role does not exist).
    public func listInstanceProfiles(accountId: String, roleName: String) async throws(AWSError) -> [IAMInstanceProfile] {
        _ = try await getRole(accountId: accountId, roleName: roleName)
        return try await listInstanceProfiles(accountId: accountId, pathPrefix: nil).filter { $0.roles.contains(roleName) }
    }

    /// DeleteConflict while the profile holds a role.
    public func deleteInstanceProfile(accountId: String, name: String) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            let profile = try await instanceProfile(accountId: accountId, name: name)
            guard profile.roles.isEmpty else {
                throw .deleteConflict("Cannot delete entity, must remove roles from instance profile first.")
            }
            try await stored {
                try await self.store.deleteEntity(
                    IAMInstanceProfile.self, accountId: accountId, name: profile.instanceProfileName)
            }
        }
    }

    public func addRoleToInstanceProfile(accountId: String, name: String, roleName: String) async throws(AWSError) {
        try await changeInstanceProfile(accountId: accountId, name: name) { profile throws(AWSError) in
            guard profile.roles.count < Self.maxRolesPerInstanceProfile else {
                throw .iamLimitExceeded(
                    "Cannot exceed quota for InstanceSessionsPerInstanceProfile: \(Self.maxRolesPerInstanceProfile)")
            }
            profile.roles.append(roleName)
        } check: { () async throws(AWSError) in
            try Self.requireModifiable(try await self.getRole(accountId: accountId, roleName: roleName))
        }
    }

    public func removeRoleFromInstanceProfile(accountId: String, name: String, roleName: String) async throws(AWSError) {
        try await changeInstanceProfile(accountId: accountId, name: name) { profile throws(AWSError) in
            guard profile.roles.contains(roleName) else {
                throw .noSuchEntity("The role with name \(roleName) cannot be found.")
            }
            profile.roles.removeAll { $0 == roleName }
        } check: { () async throws(AWSError) in
            try Self.requireModifiable(try await self.getRole(accountId: accountId, roleName: roleName))
        }
    }

    public func tagInstanceProfile(accountId: String, name: String, tags: [IAMTag]) async throws(AWSError) {
        try await changeInstanceProfile(accountId: accountId, name: name) { profile throws(AWSError) in
            profile.tags.merge(tags)
            guard profile.tags.count <= 50 else {
                throw .iamLimitExceeded("Cannot exceed quota for TagsPerInstanceProfile: 50")
            }
        }
    }

    public func untagInstanceProfile(accountId: String, name: String, keys: [String]) async throws(AWSError) {
        try await changeInstanceProfile(accountId: accountId, name: name) { profile throws(AWSError) in
            profile.tags.removeAll { keys.contains($0.key) }
        }
    }

    /// Applies `change` to an instance profile and stores it, after `check` (run first, under the
    /// same lock) passes.
    func changeInstanceProfile(
        accountId: String, name: String, _ change: (inout IAMInstanceProfile) throws(AWSError) -> Void,
        check: () async throws(AWSError) -> Void = {}
    ) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            var profile = try await instanceProfile(accountId: accountId, name: name)
            try await check()
            try change(&profile)
            try await stored { try await self.store.putEntity(profile) }
        }
    }
}
