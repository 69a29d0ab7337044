import AWSProtocol
import Foundation
import RampartCore
import RampartTestSupport
import Testing

@testable import Identity

@Suite("STS session tags and federated users")
struct STSSessionTagTests {
    struct Setup {
        var iam: IAMService
        var identity: IdentityService
        var sts: STSService
        var root: Caller
        var clock: ManualClock
    }

    static let trust =
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#
    static let accept: IAMService.PolicyValidator = { _ in nil }

    func make() async throws -> Setup {
        let store = InMemoryIdentityStore()
        let vault = Fixtures.vault()
        let clock = ManualClock()
        let identity = IdentityService(store: store, vault: vault, clock: clock)
        let root = try await identity.createAccount(id: Fixtures.accountA)
        let iam = IAMService(store: store, vault: vault, clock: clock, identity: identity)
        let sts = STSService(store: store, vault: vault, clock: clock, iam: iam)
        identity.attach(sts)
        for name in ["first", "second"] {
            _ = try await iam.createRole(
                CreateRoleRequest(
                    roleName: name, path: nil, assumeRolePolicy: Self.trust, description: nil, maxSessionDuration: nil,
                    tags: [IAMTag(key: "Team", value: "role-team"), IAMTag(key: "Cost", value: "1")]),
                accountId: Fixtures.accountA, validateTrust: Self.accept)
        }
        return Setup(
            iam: iam, identity: identity, sts: sts,
            root: Caller(principal: root.principal, accessKeyId: root.accessKeyId, region: "us-east-1"), clock: clock)
    }

    func assume(
        _ setup: Setup, as caller: Caller, role: String, tags: [IAMTag] = [], transitive: [String] = []
    ) async throws -> Caller {
        let (credentials, _, _) = try await setup.sts.assumeRole(
            caller: caller, roleArn: "arn:aws:iam::111111111111:role/\(role)", sessionName: "s", durationSeconds: nil,
            sessionPolicy: nil, tags: tags, transitiveTagKeys: transitive, validatePolicy: Self.accept,
            authorize: { _ in nil })
        let credential = try #require(try await setup.identity.credential(accessKeyId: credentials.accessKeyId))
        return Caller(principal: credential.principal, accessKeyId: credential.accessKeyId, region: "us-east-1")
    }

    @Test("Session tags are refused as AWS refuses them")
    func tagRules() async throws {
        let setup = try await make()
        let refused: [([IAMTag], [String])] = [
            ([IAMTag(key: "team", value: "a"), IAMTag(key: "Team", value: "b")], []),
            ([IAMTag(key: "aws:team", value: "a")], []),
            ([IAMTag(key: "team", value: "a")], ["project"]),
        ]
        for (tags, transitive) in refused {
            #expect(
                await errorCode { _ = try await assume(setup, as: setup.root, role: "first", tags: tags, transitive: transitive) }
                    == "InvalidParameterValue")
        }
        // Transitive keys match the tags case-insensitively.
        _ = try await assume(setup, as: setup.root, role: "first", tags: [IAMTag(key: "Team", value: "a")], transitive: ["team"])
    }

    @Test("Session tags come back with the session's key and take the place of the role's tags")
    func tagsSurviveInTheCredential() async throws {
        let setup = try await make()
        let session = try await assume(
            setup, as: setup.root, role: "first", tags: [IAMTag(key: "team", value: "session-team")], transitive: ["team"])
        #expect(session.principal.sessionTags == ["team": "session-team"])
        #expect(session.principal.transitiveTagKeys == ["team"])
        let context = try await setup.iam.context(for: session.principal)
        #expect(context.tags == ["team": "session-team", "Cost": "1"])
    }

    @Test("A chained session inherits transitive tags and cannot set their keys again")
    func roleChaining() async throws {
        let setup = try await make()
        let first = try await assume(
            setup, as: setup.root, role: "first",
            tags: [IAMTag(key: "Project", value: "blue"), IAMTag(key: "Stage", value: "dev")], transitive: ["Project"])
        #expect(
            await errorCode {
                _ = try await assume(setup, as: first, role: "second", tags: [IAMTag(key: "project", value: "red")])
            } == "InvalidParameterValue")
        let second = try await assume(setup, as: first, role: "second", tags: [IAMTag(key: "Owner", value: "me")])
        #expect(second.principal.sessionTags == ["Project": "blue", "Owner": "me"])
        #expect(second.principal.transitiveTagKeys == ["project"])
        // ... and passes them on again, without being asked to.
        let third = try await assume(setup, as: second, role: "first")
        #expect(third.principal.sessionTags == ["Project": "blue"])
    }

    @Test("GetFederationToken: a federated user bound by the caller's and the session's policies")
    func federationToken() async throws {
        let setup = try await make()
        let policy =
            #"{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Action":"kms:ListKeys","Resource":"*"}]}"#
        let (credentials, principal, packed) = try await setup.sts.getFederationToken(
            caller: setup.root, name: "bob", durationSeconds: 7200, sessionPolicy: policy, policyArns: [],
            tags: [IAMTag(key: "dept", value: "ops")], validatePolicy: Self.accept)
        #expect(principal.arn == "arn:aws:sts::111111111111:federated-user/bob")
        #expect(principal.userId == "111111111111:bob")
        #expect(principal.kind == .federatedUser)
        #expect(packed != nil)
        // The root's federated users last an hour at most.
        #expect(credentials.expiration == setup.clock.now.addingTimeInterval(3600))
        let credential = try #require(try await setup.identity.credential(accessKeyId: credentials.accessKeyId))
        #expect(credential.principal == principal)
        #expect(credential.sessionPolicy == policy)
        let context = try await setup.iam.context(for: credential.principal)
        #expect(context.tags == ["dept": "ops"])
        #expect(context.policies == [IAMService.allowsEverything])
        // Without session policies, a federated user may do nothing.
        let (bare, _, none) = try await setup.sts.getFederationToken(
            caller: setup.root, name: "carol", durationSeconds: nil, sessionPolicy: nil, policyArns: [], tags: [],
            validatePolicy: Self.accept)
        #expect(none == nil)
        #expect(try await setup.identity.credential(accessKeyId: bare.accessKeyId)?.sessionPolicy == STSService.allowsNothing)
        // Session credentials cannot ask for a federation token.
        let session = try await assume(setup, as: setup.root, role: "first")
        #expect(
            await errorCode {
                _ = try await setup.sts.getFederationToken(
                    caller: session, name: "dan", durationSeconds: nil, sessionPolicy: nil, policyArns: [], tags: [],
                    validatePolicy: Self.accept)
            } == "AccessDenied")
    }

    @Test("Several session policies act as one document of all their statements")
    func combinedSessionPolicies() throws {
        let one = #"{"Version":"2012-10-17","Statement":{"Sid":"x","Effect":"Allow","Action":"a:B","Resource":"*"}}"#
        let two = #"{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Deny","Action":"c:D","Resource":"*"}]}"#
        #expect(PolicyDocuments.combined([]) == nil)
        #expect(PolicyDocuments.combined([one]) == one)
        let combined = try #require(PolicyDocuments.combined([one, two]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(combined.utf8)) as? [String: Any])
        let statements = try #require(object["Statement"] as? [[String: Any]])
        #expect(statements.count == 2)
        #expect(statements.allSatisfy { $0["Sid"] == nil })
    }
}
