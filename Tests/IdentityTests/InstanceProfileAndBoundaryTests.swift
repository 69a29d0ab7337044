import AWSProtocol
import Foundation
import Identity
import RampartCore
import RampartTestSupport
import Testing

@Suite("IAM instance profiles and permissions boundaries")
struct InstanceProfileAndBoundaryTests {
    let account = Fixtures.accountA
    let trust =
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#
    let accept: IAMService.PolicyValidator = { _ in nil }

    func make() async throws -> IAMService {
        let store = InMemoryIdentityStore()
        let vault = Fixtures.vault()
        let clock = ManualClock()
        let identity = IdentityService(store: store, vault: vault, clock: clock)
        _ = try await identity.createAccount(id: account)
        return IAMService(store: store, vault: vault, clock: clock, identity: identity)
    }

    func role(_ iam: IAMService, _ name: String, boundary: String? = nil) async throws -> IAMRole {
        try await iam.createRole(
            CreateRoleRequest(
                roleName: name, path: nil, assumeRolePolicy: trust, description: nil, maxSessionDuration: nil, tags: [],
                permissionsBoundary: boundary),
            accountId: account, validateTrust: accept)
    }

    @Test func instanceProfilesHoldOneRole() async throws {
        let iam = try await make()
        let profile = try await iam.createInstanceProfile(
            accountId: account, name: "web", path: "/app/", tags: [IAMTag(key: "team", value: "a")])
        #expect(profile.arn == "arn:aws:iam::111111111111:instance-profile/app/web")
        #expect(profile.instanceProfileId.hasPrefix("AIPA") && profile.instanceProfileId.count == 21)
        #expect(
            await errorCode { _ = try await iam.createInstanceProfile(accountId: account, name: "WEB", path: nil, tags: []) }
                == "EntityAlreadyExists")
        #expect(await errorCode { _ = try await iam.instanceProfile(accountId: account, name: "nope") } == "NoSuchEntity")
        _ = try await role(iam, "app")
        _ = try await role(iam, "other")
        #expect(
            await errorCode { try await iam.addRoleToInstanceProfile(accountId: account, name: "web", roleName: "ghost") }
                == "NoSuchEntity")
        try await iam.addRoleToInstanceProfile(accountId: account, name: "web", roleName: "app")
        #expect(
            await errorCode { try await iam.addRoleToInstanceProfile(accountId: account, name: "web", roleName: "other") }
                == "LimitExceeded")
        #expect(try await iam.listInstanceProfiles(accountId: account, roleName: "app").map(\.instanceProfileName) == ["web"])
        #expect(try await iam.listInstanceProfiles(accountId: account, roleName: "other").isEmpty)
        #expect(await errorCode { try await iam.deleteRole(accountId: account, roleName: "app") } == "DeleteConflict")
        #expect(await errorCode { try await iam.deleteInstanceProfile(accountId: account, name: "web") } == "DeleteConflict")
        #expect(try await iam.listInstanceProfiles(accountId: account, pathPrefix: "/app/").count == 1)
        #expect(try await iam.listInstanceProfiles(accountId: account, pathPrefix: "/other/").isEmpty)
        try await iam.tagInstanceProfile(accountId: account, name: "web", tags: [IAMTag(key: "env", value: "prod")])
        try await iam.untagInstanceProfile(accountId: account, name: "web", keys: ["team"])
        #expect(try await iam.instanceProfile(accountId: account, name: "web").tags == [IAMTag(key: "env", value: "prod")])
        #expect(
            await errorCode {
                try await iam.removeRoleFromInstanceProfile(accountId: account, name: "web", roleName: "other")
            } == "NoSuchEntity")
        try await iam.removeRoleFromInstanceProfile(accountId: account, name: "web", roleName: "app")
        try await iam.deleteRole(accountId: account, roleName: "app")
        try await iam.deleteInstanceProfile(accountId: account, name: "web")
        #expect(try await iam.listInstanceProfiles(accountId: account, pathPrefix: nil).isEmpty)
    }

    @Test func boundariesAreManagedPoliciesCarriedIntoThePrincipalContext() async throws {
        let iam = try await make()
        let missing = "arn:aws:iam::111111111111:policy/missing"
        #expect(
            await errorCode {
                _ = try await iam.createUser(accountId: account, userName: "u", path: nil, tags: [], permissionsBoundary: missing)
            } == "NoSuchEntity")
        #expect(await errorCode { _ = try await role(iam, "r", boundary: missing) } == "NoSuchEntity")
        let document = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#
        let policy = try await iam.createPolicy(
            accountId: account, policyName: "bound", path: nil, document: document, description: nil, tags: [],
            validate: accept)
        // Another account's policy is not this account's to use.
        #expect(
            await errorCode {
                _ = try await iam.createUser(
                    accountId: Fixtures.accountB, userName: "u", path: nil, tags: [], permissionsBoundary: policy.arn)
            } == "NoSuchEntity")
        let user = try await iam.createUser(
            accountId: account, userName: "u", path: nil, tags: [], permissionsBoundary: policy.arn)
        #expect(user.permissionsBoundary == policy.arn)
        #expect(try await iam.context(for: user.principal).permissionsBoundary == document)
        let created = try await role(iam, "r")
        #expect(created.permissionsBoundary == nil)
        try await iam.setPermissionsBoundary(accountId: account, owner: .role("r"), arn: policy.arn)
        #expect(try await iam.getRole(accountId: account, roleName: "r").permissionsBoundary == policy.arn)
        #expect(try await iam.permissionsBoundaryUsageCount(accountId: account, arn: policy.arn) == 2)
        #expect(await errorCode { try await iam.deletePolicy(accountId: account, arn: policy.arn) } == "DeleteConflict")
        #expect(
            await errorCode { try await iam.setPermissionsBoundary(accountId: account, owner: .user("u"), arn: missing) }
                == "NoSuchEntity")
        try await iam.setPermissionsBoundary(accountId: account, owner: .user("u"), arn: nil)
        #expect(try await iam.context(for: user.principal).permissionsBoundary == nil)
        try await iam.setPermissionsBoundary(accountId: account, owner: .role("r"), arn: nil)
        #expect(try await iam.permissionsBoundaryUsageCount(accountId: account, arn: policy.arn) == 0)
        try await iam.deletePolicy(accountId: account, arn: policy.arn)
    }
}
