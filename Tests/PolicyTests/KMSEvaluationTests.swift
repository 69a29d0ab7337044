import Policy
import Testing

/// A KMS combination case.
struct KMSCase: Sendable, CustomTestStringConvertible {
    let name: String
    let keyPolicy: String?
    let identity: [String]
    let session: String?
    let context: RequestContext
    let isRoot: Bool
    let expected: Decision
    var testDescription: String { name }

    init(
        _ name: String, key: String?, identity: [String] = [], session: String? = nil,
        as context: RequestContext = Fixture.context(), root: Bool = false, _ expected: Decision
    ) {
        self.name = name
        self.keyPolicy = key
        self.identity = identity
        self.session = session
        self.context = context
        self.isRoot = root
        self.expected = expected
    }
}

private func policy(_ statements: String...) -> String {
    #"{"Version": "2012-10-17", "Statement": ["# + statements.joined(separator: ",") + "]}"
}

private func principalStmt(
    _ principal: String, effect: String = "Allow", action: String = "kms:*", condition: String = ""
) -> String {
    #"{"Effect": "\#(effect)", "Principal": {"AWS": "\#(principal)"}, "Action": "\#(action)", "Resource": "*"\#(condition)}"#
}

private func identityStmt(effect: String = "Allow", action: String = "kms:*", resource: String = "*") -> String {
    #"{"Effect": "\#(effect)", "Action": "\#(action)", "Resource": "\#(resource)"}"#
}

private let rootA = "arn:aws:iam::111122223333:root"
private let rootB = "arn:aws:iam::444455556666:root"
private let enableIAM = policy(
    #"{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}"#
)
private let aliceOnly = policy(principalStmt(Fixture.alice))
private let allowIdentity = policy(identityStmt())
private let denyIdentity = policy(identityStmt(effect: "Deny", action: "kms:Encrypt"))
private let decryptOnly = policy(identityStmt(action: "kms:Decrypt"))
private let bob = Fixture.context(principal: Fixture.bob, account: Fixture.otherAccount)
private let rootAContext = Fixture.context(principal: rootA, identifiers: [rootA])
private let rootBContext = Fixture.context(principal: rootB, account: Fixture.otherAccount, identifiers: [rootB])
private let crossAccountKey = policy(
    #"{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}"#,
    #"{"Sid": "AllowB", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}"#
)

@Suite("KMS policy combination")
struct KMSEvaluationTests {
    static let cases: [KMSCase] = [
        // Same account
        .init("key policy names the user, no IAM policy", key: aliceOnly, .allow),
        .init("key policy names the user, IAM denies", key: aliceOnly, identity: [denyIdentity], .explicitDeny),
        .init(
            "key policy names another user", key: policy(principalStmt("arn:aws:iam::111122223333:user/carol")),
            identity: [allowIdentity], .implicitDeny),
        .init("enable IAM + IAM allows", key: enableIAM, identity: [allowIdentity], .allow),
        .init("enable IAM + IAM allows other action", key: enableIAM, identity: [decryptOnly], .implicitDeny),
        .init("enable IAM + no IAM policy", key: enableIAM, .implicitDeny),
        .init(
            "enable IAM via bare account id + IAM", key: policy(principalStmt("111122223333")), identity: [allowIdentity], .allow),
        .init("enable IAM + one of several IAM policies allows", key: enableIAM, identity: [decryptOnly, allowIdentity], .allow),
        .init("enable IAM + IAM allows + IAM denies", key: enableIAM, identity: [allowIdentity, denyIdentity], .explicitDeny),
        .init(
            "IAM policy alone is not enough", key: policy(principalStmt("arn:aws:iam::111122223333:user/carol")),
            identity: [allowIdentity], .implicitDeny),
        .init(
            "IAM policy alone, key policy for another action", key: policy(principalStmt(rootA, action: "kms:Decrypt")),
            identity: [allowIdentity], .implicitDeny),
        .init("no key policy", key: nil, identity: [allowIdentity], .implicitDeny),
        .init("no key policy, still explicit deny", key: nil, identity: [denyIdentity], .explicitDeny),
        .init(
            "key policy star, no IAM", key: policy(#"{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}"#),
            .allow),
        .init(
            "key policy deny wins over IAM allow",
            key: policy(principalStmt(rootA), principalStmt(Fixture.alice, effect: "Deny", action: "kms:Encrypt")),
            identity: [allowIdentity], .explicitDeny),
        .init(
            "key policy deny other action",
            key: policy(principalStmt(rootA), principalStmt(Fixture.alice, effect: "Deny", action: "kms:Decrypt")),
            identity: [allowIdentity], .allow),
        .init(
            "IAM resource must match key", key: enableIAM,
            identity: [policy(identityStmt(resource: "arn:aws:kms:*:111122223333:key/other"))], .implicitDeny),
        .init(
            "key policy condition unmet",
            key: policy(
                principalStmt(
                    Fixture.alice,
                    condition: #", "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}"#)),
            .implicitDeny),
        .init(
            "key policy condition met",
            key: policy(
                principalStmt(
                    Fixture.alice,
                    condition: #", "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}"#)),
            as: Fixture.context(keys: ["kms:ViaService": ["s3.us-east-1.amazonaws.com"]]), .allow),
        // Root principals
        .init("own root with enable IAM", key: enableIAM, as: rootAContext, root: true, .allow),
        .init("own root with bare account id", key: policy(principalStmt("111122223333")), as: rootAContext, root: true, .allow),
        .init("own root, key policy names only alice", key: aliceOnly, as: rootAContext, root: true, .implicitDeny),
        .init(
            "own root, key policy denies root",
            key: policy(principalStmt(rootA), principalStmt(rootA, effect: "Deny", action: "kms:Encrypt")), as: rootAContext,
            root: true, .explicitDeny),
        // Cross account
        .init("cross account: key + IAM", key: crossAccountKey, identity: [allowIdentity], as: bob, .allow),
        .init("cross account: key only", key: crossAccountKey, as: bob, .implicitDeny),
        .init("cross account: IAM only", key: enableIAM, identity: [allowIdentity], as: bob, .implicitDeny),
        .init(
            "cross account: key names user + IAM", key: policy(principalStmt(Fixture.bob)), identity: [allowIdentity], as: bob,
            .allow),
        .init("cross account: key names user, no IAM", key: policy(principalStmt(Fixture.bob)), as: bob, .implicitDeny),
        .init(
            "cross account: action outside key grant", key: crossAccountKey, identity: [allowIdentity],
            as: Fixture.context(action: "kms:ScheduleKeyDeletion", principal: Fixture.bob, account: Fixture.otherAccount),
            .implicitDeny),
        .init(
            "cross account: key star + IAM",
            key: policy(#"{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}"#), identity: [allowIdentity],
            as: bob, .allow),
        .init(
            "cross account: key star, no IAM",
            key: policy(#"{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}"#), as: bob, .implicitDeny),
        .init("cross account: IAM deny", key: crossAccountKey, identity: [allowIdentity, denyIdentity], as: bob, .explicitDeny),
        .init("cross account root with key policy", key: crossAccountKey, as: rootBContext, root: true, .allow),
        .init("cross account root without key policy grant", key: enableIAM, as: rootBContext, root: true, .implicitDeny),
        // Session policies
        .init("session allows", key: enableIAM, identity: [allowIdentity], session: allowIdentity, .allow),
        .init("session narrows", key: enableIAM, identity: [allowIdentity], session: decryptOnly, .implicitDeny),
        .init("session narrows direct key grant", key: aliceOnly, session: decryptOnly, .implicitDeny),
        .init("session allows but IAM does not", key: enableIAM, session: allowIdentity, .implicitDeny),
        .init(
            "session deny", key: aliceOnly, session: policy(identityStmt(), identityStmt(effect: "Deny", action: "kms:Encrypt")),
            .explicitDeny),
        .init(
            "session narrows cross account", key: crossAccountKey, identity: [allowIdentity], session: decryptOnly, as: bob,
            .implicitDeny),
    ]

    @Test(arguments: cases)
    func combine(_ c: KMSCase) throws {
        let key = try c.keyPolicy.map { try Fixture.key($0) }
        let identity = try c.identity.map { try Fixture.identity($0) }
        let session = try c.session.map { try Fixture.identity($0) }
        let result = PolicyEvaluation.evaluate(
            identityPolicies: identity, resourcePolicy: key, sessionPolicy: session,
            context: c.context, resourceAccount: Fixture.account, isRootPrincipal: c.isRoot)
        #expect(result.decision == c.expected, "\(result.reason)")
        #expect(!result.reason.isEmpty)
    }

    @Test func reasonsExplainTheDecision() throws {
        let result = PolicyEvaluation.evaluate(
            identityPolicies: [], resourcePolicy: try Fixture.key(enableIAM), sessionPolicy: nil,
            context: Fixture.context(), resourceAccount: Fixture.account, isRootPrincipal: false)
        #expect(result.reason.contains("no identity policy"))
        #expect(result.matchedStatement == "Enable IAM User Permissions")
        let allowed = PolicyEvaluation.evaluate(
            identityPolicies: [try Fixture.identity(allowIdentity)], resourcePolicy: try Fixture.key(enableIAM),
            sessionPolicy: nil,
            context: Fixture.context(), resourceAccount: Fixture.account, isRootPrincipal: false)
        #expect(allowed.isAllowed)
        #expect(allowed.matchedStatement == "Enable IAM User Permissions")
        #expect(allowed.reason.contains("kms:Encrypt"))
    }
}
