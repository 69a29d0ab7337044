import AWSProtocol
import Foundation
import RampartCore
import RampartTestSupport
import Testing

@testable import Identity

@Suite("AWS managed policies and service-linked roles")
struct AWSManagedPolicyAndServiceLinkedRoleTests {
    func make() async throws -> IAMService {
        let store = InMemoryIdentityStore()
        let vault = Fixtures.vault()
        let clock = ManualClock()
        let identity = IdentityService(store: store, vault: vault, clock: clock)
        _ = try await identity.createAccount(id: Fixtures.accountA)
        return IAMService(store: store, vault: vault, clock: clock, identity: identity)
    }

    static let account = Fixtures.accountA
    static let admin = "arn:aws:iam::aws:policy/AdministratorAccess"

    @Test("The catalog holds the policies the issue names, at AWS's paths and versions, and each document parses")
    func catalog() throws {
        let required = [
            "AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "IAMFullAccess", "IAMReadOnlyAccess",
            "AWSKeyManagementServicePowerUser", "service-role/AWSLambdaBasicExecutionRole", "AWSLambdaExecute",
            "service-role/AWSLambdaRole", "service-role/AWS_ConfigRole", "SecretsManagerReadWrite", "AmazonSNSFullAccess",
            "AmazonSQSFullAccess", "CloudWatchLogsFullAccess", "AmazonEventBridgeFullAccess",
        ]
        for name in required {
            let policy = try #require(AWSManagedPolicies.policy(arn: "arn:aws:iam::aws:policy/\(name)"), "\(name)")
            #expect(policy.arn == "arn:aws:iam::aws:policy/\(name)")
            #expect(policy.policyId.hasPrefix("ANPA") && policy.policyId.count == 21)
            let document = try #require(policy.defaultDocument)
            #expect(try JSONSerialization.jsonObject(with: Data(document.utf8)) is [String: Any])
        }
        #expect(AWSManagedPolicies.policy(arn: "arn:aws:iam::aws:policy/PowerUserAccess")?.defaultVersionId == "v12")
        // Every service-linked role's policy is in the catalog.
        for template in ServiceLinkedRoles.templates.values {
            for arn in template.policies { #expect(AWSManagedPolicies.policy(arn: arn) != nil, "\(arn)") }
        }
    }

    @Test("AWS managed policies attach, count, list by scope, apply, and cannot be changed")
    func attachAndEnforce() async throws {
        let iam = try await make()
        let user = try await iam.createUser(accountId: Self.account, userName: "ann", path: nil, tags: [])
        try await iam.attachPolicy(accountId: Self.account, owner: .user("ann"), arn: Self.admin)
        #expect(try await iam.attachmentCount(accountId: Self.account, arn: Self.admin) == 1)
        #expect(try await iam.identityPolicies(for: user.principal).contains { $0.contains(#""Action":"*""#) })
        let aws = try await iam.listPolicies(accountId: Self.account, onlyAttached: false, pathPrefix: nil, scope: .aws)
        #expect(aws.count == AWSManagedPolicies.all.count)
        #expect(try await iam.listPolicies(accountId: Self.account, onlyAttached: false, pathPrefix: nil, scope: .local).isEmpty)
        let attached = try await iam.listPolicies(accountId: Self.account, onlyAttached: true, pathPrefix: nil)
        #expect(attached.map(\.policy.policyName) == ["AdministratorAccess"])
        let serviceRole = try await iam.listPolicies(
            accountId: Self.account, onlyAttached: false, pathPrefix: "/service-role/", scope: .aws)
        #expect(serviceRole.contains { $0.policy.policyName == "AWSLambdaBasicExecutionRole" })
        #expect(await errorCode { try await iam.deletePolicy(accountId: Self.account, arn: Self.admin) } == "AccessDenied")
        #expect(
            await errorCode {
                _ = try await iam.createPolicyVersion(
                    accountId: Self.account, arn: Self.admin, document: "{}", setAsDefault: true, validate: { _ in nil })
            } == "AccessDenied")
        #expect(
            await errorCode {
                try await iam.attachPolicy(
                    accountId: Self.account, owner: .user("ann"), arn: "arn:aws:iam::aws:policy/NoSuchPolicy")
            } == "NoSuchEntity")
    }

    @Test("Service-linked roles: AWS's names, paths, trust and policies; one per service; protected; deleted by task")
    func serviceLinkedRoles() async throws {
        let iam = try await make()
        let role = try await iam.createServiceLinkedRole(
            accountId: Self.account, serviceName: "config.amazonaws.com", description: "d", customSuffix: nil)
        #expect(role.roleName == "AWSServiceRoleForConfig")
        #expect(role.arn == "arn:aws:iam::111111111111:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig")
        #expect(role.assumeRolePolicy.contains(#""Service":["config.amazonaws.com"]"#))
        #expect(role.attachedPolicies == ["arn:aws:iam::aws:policy/aws-service-role/AWSConfigServiceRolePolicy"])
        let create = { (service: String, suffix: String?) async -> String? in
            await errorCode {
                _ = try await iam.createServiceLinkedRole(
                    accountId: Self.account, serviceName: service, description: nil, customSuffix: suffix)
            }
        }
        #expect(await create("config.amazonaws.com", nil) == "InvalidInput")
        #expect(await create("config.amazonaws.com", "x") == "InvalidInput")
        #expect(await create("nothing.amazonaws.com", nil) == "InvalidInput")
        #expect(await create("autoscaling.amazonaws.com", "blue") == nil)
        #expect(
            try await iam.getRole(accountId: Self.account, roleName: "AWSServiceRoleForAutoScaling_blue").path
                == "/aws-service-role/autoscaling.amazonaws.com/")
        let name = role.roleName
        #expect(await errorCode { try await iam.deleteRole(accountId: Self.account, roleName: name) } == "UnmodifiableEntity")
        #expect(
            await errorCode {
                try await iam.putInlinePolicy(
                    accountId: Self.account, owner: .role(name), policyName: "p", document: "{}", validate: { _ in nil })
            } == "UnmodifiableEntity")
        #expect(
            await errorCode {
                try await iam.updateAssumeRolePolicy(
                    accountId: Self.account, roleName: name, document: "{}", validateTrust: { _ in nil })
            } == "UnmodifiableEntity")
        #expect(
            await errorCode {
                try await iam.detachPolicy(accountId: Self.account, owner: .role(name), arn: role.attachedPolicies[0])
            }
                == "UnmodifiableEntity")
        let task = try await iam.deleteServiceLinkedRole(accountId: Self.account, roleName: name)
        #expect(task.hasPrefix("task/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig/"))
        #expect(try await iam.serviceLinkedRoleDeletionStatus(accountId: Self.account, taskId: task) == "SUCCEEDED")
        #expect(await errorCode { _ = try await iam.getRole(accountId: Self.account, roleName: name) } == "NoSuchEntity")
        #expect(
            await errorCode { _ = try await iam.serviceLinkedRoleDeletionStatus(accountId: Self.account, taskId: task + "x") }
                == "NoSuchEntity")
        // An ordinary role is not deleted this way.
        #expect(
            await errorCode { _ = try await iam.deleteServiceLinkedRole(accountId: Self.account, roleName: "missing") }
                == "NoSuchEntity")
    }
}
