import Policy
import Testing

/// A single-policy evaluation case.
struct EvalCase: Sendable, CustomTestStringConvertible {
    let name: String
    let policy: String
    let kind: PolicyKind
    let context: RequestContext
    let expected: Decision
    var testDescription: String { name }

    init(
        _ name: String, _ policy: String, kind: PolicyKind = .identity, as context: RequestContext = Fixture.context(),
        _ expected: Decision
    ) {
        self.name = name
        self.policy = policy
        self.kind = kind
        self.context = context
        self.expected = expected
    }
}

private func stmts(_ statements: String...) -> String {
    #"{"Version": "2012-10-17", "Statement": ["# + statements.joined(separator: ",") + "]}"
}

private func keyStmt(
    _ principal: String, effect: String = "Allow", action: String = "kms:*", principalField: String = "Principal"
) -> String {
    #"{"Effect": "\#(effect)", "\#(principalField)": \#(principal), "Action": "\#(action)", "Resource": "*"}"#
}

private let session = "arn:aws:sts::111122223333:assumed-role/Admin/alice-session"
private let role = "arn:aws:iam::111122223333:role/Admin"
private let sessionContext = Fixture.context(principal: session, identifiers: [session, role])
private let bobContext = Fixture.context(principal: Fixture.bob, account: Fixture.otherAccount)
private let serviceContext = Fixture.context(principal: "", account: "", identifiers: ["logs.amazonaws.com"])

@Suite("Statement matching")
struct StatementMatchingTests {
    static let cases: [EvalCase] = [
        // Actions
        .init("action exact", stmts(#"{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}"#), .allow),
        .init("action case-insensitive", stmts(#"{"Effect": "Allow", "Action": "KMS:encrypt", "Resource": "*"}"#), .allow),
        .init("action list", stmts(#"{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"}"#), .allow),
        .init("action mismatch", stmts(#"{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}"#), .implicitDeny),
        .init(
            "action prefix wildcard", stmts(#"{"Effect": "Allow", "Action": "kms:Re*", "Resource": "*"}"#),
            as: Fixture.context(action: "kms:ReEncryptFrom"), .allow),
        .init("NotAction excludes", stmts(#"{"Effect": "Allow", "NotAction": "kms:Encrypt", "Resource": "*"}"#), .implicitDeny),
        .init("NotAction includes others", stmts(#"{"Effect": "Allow", "NotAction": "kms:Decrypt", "Resource": "*"}"#), .allow),
        .init("NotAction wildcard", stmts(#"{"Effect": "Allow", "NotAction": "kms:*", "Resource": "*"}"#), .implicitDeny),
        .init("NotAction other service", stmts(#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#), .allow),
        .init(
            "Deny NotAction",
            stmts(
                #"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
                #"{"Effect": "Deny", "NotAction": "kms:Decrypt", "Resource": "*"}"#), .explicitDeny),
        // Resources
        .init("resource exact", stmts(#"{"Effect": "Allow", "Action": "kms:*", "Resource": "\#(Fixture.keyArn)"}"#), .allow),
        .init(
            "resource wildcard",
            stmts(#"{"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:*:111122223333:key/*"}"#), .allow),
        .init(
            "resource case-sensitive",
            stmts(#"{"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:*:111122223333:KEY/*"}"#), .implicitDeny),
        .init(
            "resource other account",
            stmts(#"{"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:*:444455556666:key/*"}"#), .implicitDeny),
        .init(
            "resource list",
            stmts(#"{"Effect": "Allow", "Action": "kms:*", "Resource": ["arn:aws:kms:*:*:alias/*", "arn:aws:kms:*:*:key/*"]}"#),
            .allow),
        .init(
            "NotResource excludes", stmts(#"{"Effect": "Allow", "Action": "kms:*", "NotResource": "arn:aws:kms:*:*:key/*"}"#),
            .implicitDeny),
        .init(
            "NotResource includes others",
            stmts(#"{"Effect": "Allow", "Action": "kms:*", "NotResource": "arn:aws:kms:*:*:alias/*"}"#), .allow),
        .init(
            "Deny NotResource",
            stmts(
                #"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
                #"{"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:kms:*:*:alias/*"}"#), .explicitDeny),
        // Deny beats allow
        .init(
            "deny beats allow",
            stmts(
                #"{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}"#,
                #"{"Effect": "Deny", "Action": "kms:Encrypt", "Resource": "*"}"#), .explicitDeny),
        .init(
            "deny listed first",
            stmts(
                #"{"Effect": "Deny", "Action": "kms:Encrypt", "Resource": "*"}"#,
                #"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#), .explicitDeny),
        .init(
            "deny other action",
            stmts(
                #"{"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}"#,
                #"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#), .allow),
        .init("deny alone is not allow", stmts(#"{"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}"#), .implicitDeny),
        .init(
            "conditional deny not met",
            stmts(
                #"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
                #"{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:x": "y"}}}"#), .allow),
        // Principals (resource policies)
        .init("principal star", stmts(keyStmt(#""*""#)), kind: .keyPolicy, as: bobContext, .allow),
        .init("principal AWS star", stmts(keyStmt(#"{"AWS": "*"}"#)), kind: .keyPolicy, as: bobContext, .allow),
        .init("principal account id", stmts(keyStmt(#"{"AWS": "111122223333"}"#)), kind: .keyPolicy, .allow),
        .init(
            "principal account id other account", stmts(keyStmt(#"{"AWS": "111122223333"}"#)), kind: .keyPolicy, as: bobContext,
            .implicitDeny),
        .init("principal root ARN", stmts(keyStmt(#"{"AWS": "arn:aws:iam::111122223333:root"}"#)), kind: .keyPolicy, .allow),
        .init(
            "principal root ARN of other account", stmts(keyStmt(#"{"AWS": "arn:aws:iam::444455556666:root"}"#)),
            kind: .keyPolicy, as: bobContext, .allow),
        .init(
            "principal root ARN mismatch", stmts(keyStmt(#"{"AWS": "arn:aws:iam::444455556666:root"}"#)), kind: .keyPolicy,
            .implicitDeny),
        .init("principal user ARN", stmts(keyStmt(#"{"AWS": "\#(Fixture.alice)"}"#)), kind: .keyPolicy, .allow),
        .init(
            "principal other user ARN", stmts(keyStmt(#"{"AWS": "arn:aws:iam::111122223333:user/carol"}"#)), kind: .keyPolicy,
            .implicitDeny),
        .init(
            "principal ARN list", stmts(keyStmt(#"{"AWS": ["arn:aws:iam::111122223333:user/carol", "\#(Fixture.alice)"]}"#)),
            kind: .keyPolicy, .allow),
        .init(
            "principal role matches session", stmts(keyStmt(#"{"AWS": "\#(role)"}"#)), kind: .keyPolicy, as: sessionContext,
            .allow),
        .init("principal session ARN", stmts(keyStmt(#"{"AWS": "\#(session)"}"#)), kind: .keyPolicy, as: sessionContext, .allow),
        .init(
            "principal service", stmts(keyStmt(#"{"Service": "logs.amazonaws.com"}"#)), kind: .keyPolicy, as: serviceContext,
            .allow),
        .init(
            "principal other service", stmts(keyStmt(#"{"Service": "s3.amazonaws.com"}"#)), kind: .keyPolicy, as: serviceContext,
            .implicitDeny),
        .init(
            "service principal is not a user", stmts(keyStmt(#"{"Service": "logs.amazonaws.com"}"#)), kind: .keyPolicy,
            .implicitDeny),
        .init(
            "principal deny by account", stmts(keyStmt(#""*""#), keyStmt(#"{"AWS": "444455556666"}"#, effect: "Deny")),
            kind: .keyPolicy, as: bobContext, .explicitDeny),
        // NotPrincipal
        .init(
            "NotPrincipal excludes listed user", stmts(keyStmt(#"{"AWS": "\#(Fixture.alice)"}"#, principalField: "NotPrincipal")),
            kind: .keyPolicy, .implicitDeny),
        .init(
            "NotPrincipal includes others", stmts(keyStmt(#"{"AWS": "\#(Fixture.alice)"}"#, principalField: "NotPrincipal")),
            kind: .keyPolicy, as: bobContext, .allow),
        .init(
            "NotPrincipal account excludes its users",
            stmts(keyStmt(#"{"AWS": "111122223333"}"#, principalField: "NotPrincipal")), kind: .keyPolicy, .implicitDeny),
        .init(
            "Deny NotPrincipal denies others",
            stmts(keyStmt(#""*""#), keyStmt(#"{"AWS": "\#(Fixture.alice)"}"#, effect: "Deny", principalField: "NotPrincipal")),
            kind: .keyPolicy, as: bobContext, .explicitDeny),
        .init(
            "Deny NotPrincipal spares listed",
            stmts(keyStmt(#""*""#), keyStmt(#"{"AWS": "\#(Fixture.alice)"}"#, effect: "Deny", principalField: "NotPrincipal")),
            kind: .keyPolicy, .allow),
        .init(
            "NotPrincipal star matches nobody", stmts(keyStmt(#""*""#, principalField: "NotPrincipal")), kind: .keyPolicy,
            .implicitDeny),
        .init(
            "Deny NotPrincipal session spared via role",
            stmts(keyStmt(#""*""#), keyStmt(#"{"AWS": "\#(role)"}"#, effect: "Deny", principalField: "NotPrincipal")),
            kind: .keyPolicy, as: sessionContext, .allow),
        // Identity policies ignore principals entirely
        .init(
            "identity policy applies to any caller", stmts(#"{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}"#),
            as: bobContext, .allow),
    ]

    @Test(arguments: cases)
    func evaluate(_ c: EvalCase) throws {
        let policy = try PolicyDocument.parse(c.policy, kind: c.kind)
        #expect(policy.evaluate(c.context).decision == c.expected)
    }

    @Test func resultNamesTheStatement() throws {
        let policy = try Fixture.identity(
            stmts(
                #"{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}"#,
                #"{"Sid": "Enc", "Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}"#,
                #"{"Effect": "Deny", "Action": "kms:Sign", "Resource": "*"}"#))
        #expect(policy.evaluate(Fixture.context()).matchedStatement == "Enc")
        #expect(policy.evaluate(Fixture.context(action: "kms:Decrypt")).matchedStatement == "0")
        let denied = policy.evaluate(Fixture.context(action: "kms:Sign"))
        #expect(denied.decision == .explicitDeny)
        #expect(denied.matchedStatement == "2")
        #expect(!denied.reason.isEmpty)
        #expect(policy.evaluate(Fixture.context(action: "kms:Verify")).matchedStatement == nil)
    }
}
