import AWSProtocol
import AccessControl
import Identity
import Policy
import RampartTestSupport
import Testing

@Suite("Optional resource policies and service principals")
struct ResourcePolicyTests {
    static let queue = "arn:aws:sqs:us-east-1:111111111111:alerts"
    static let rule = "arn:aws:events:us-east-1:111111111111:rule/key-disabled"

    static func user(_ account: String, _ name: String, policies: [String] = []) -> Caller {
        let principal = Principal(
            kind: .iamUser, accountId: account, arn: "arn:aws:iam::\(account):user/\(name)", userId: "AIDA\(name.uppercased())",
            userName: name)
        var caller = Caller(principal: principal, accessKeyId: "AKIA\(name.uppercased())", region: "us-east-1")
        caller.identityPolicies = policies
        return caller
    }

    static func policy(
        principal: String, action: String = "sqs:SendMessage", effect: String = "Allow", condition: String = ""
    )
        -> String
    {
        let cond = condition.isEmpty ? "" : #","Condition":\#(condition)"#
        return """
            {"Version":"2012-10-17","Statement":[{"Effect":"\(effect)","Principal":\(principal),
             "Action":"\(action)","Resource":"\(queue)"\(cond)}]}
            """
    }

    static let allowSend = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#

    func decide(_ caller: Caller, _ resourcePolicy: String?) -> Bool {
        Authorization.evaluate(
            caller, action: "sqs:SendMessage", resource: Self.queue, resourceAccount: "111111111111",
            resourcePolicy: resourcePolicy, rule: .optional
        ).isAllowed
    }

    @Test("Same account: the identity policy or the resource policy naming the caller allows")
    func sameAccountEitherAllows() {
        #expect(decide(Self.user("111111111111", "ada", policies: [Self.allowSend]), nil))
        #expect(!decide(Self.user("111111111111", "ada"), nil))
        #expect(
            decide(Self.user("111111111111", "ada"), Self.policy(principal: #"{"AWS":"arn:aws:iam::111111111111:user/ada"}"#)))
        // Naming only the account delegates to identity policies.
        #expect(!decide(Self.user("111111111111", "ada"), Self.policy(principal: #"{"AWS":"111111111111"}"#)))
        #expect(decide(Fixtures.root("111111111111"), nil))
        // The same statement under the KMS rule (a key policy is required) allows nothing without a policy.
        #expect(
            !Authorization.evaluate(
                Self.user("111111111111", "ada", policies: [Self.allowSend]), action: "sqs:SendMessage",
                resource: Self.queue, resourceAccount: "111111111111", resourcePolicy: nil, rule: .required
            ).isAllowed)
    }

    @Test("Across accounts both must allow")
    func crossAccountNeedsBoth() {
        let open = Self.policy(principal: #"{"AWS":"222222222222"}"#)
        #expect(!decide(Self.user("222222222222", "bob"), open))
        #expect(!decide(Self.user("222222222222", "bob", policies: [Self.allowSend]), nil))
        #expect(decide(Self.user("222222222222", "bob", policies: [Self.allowSend]), open))
        #expect(decide(Fixtures.root("222222222222"), open))
    }

    @Test("An explicit deny in the resource policy wins over the identity policy")
    func denyWins() {
        let deny = Self.policy(principal: #""*""#, effect: "Deny")
        #expect(!decide(Self.user("111111111111", "ada", policies: [Self.allowSend]), deny))
        #expect(!decide(Fixtures.root("111111111111"), deny))
    }

    @Test("A service principal acts only on the resource policy's word, with aws:SourceArn checked")
    func servicePrincipal() {
        let events = Caller.service(
            "events.amazonaws.com", region: "us-east-1", sourceArn: Self.rule, sourceAccount: "111111111111")
        #expect(!decide(events, nil))
        let named = Self.policy(
            principal: #"{"Service":"events.amazonaws.com"}"#, condition: #"{"ArnEquals":{"aws:SourceArn":"\#(Self.rule)"}}"#)
        #expect(decide(events, named))
        let otherRule = Caller.service(
            "events.amazonaws.com", region: "us-east-1", sourceArn: Self.rule + "-other", sourceAccount: "111111111111")
        #expect(!decide(otherRule, named))
        let sns = Caller.service("sns.amazonaws.com", region: "us-east-1", sourceArn: nil, sourceAccount: nil)
        #expect(!decide(sns, named))
        let byAccount = Self.policy(
            principal: #"{"Service":"events.amazonaws.com"}"#,
            condition: #"{"StringEquals":{"aws:SourceAccount":"111111111111"}}"#)
        #expect(decide(events, byAccount))
    }

    @Test("A call on a caller's behalf carries kms:ViaService and aws:CalledVia")
    func onBehalf() {
        let caller = Self.user("111111111111", "ada").onBehalf(via: "secretsmanager")
        let context = PolicyContext.make(action: "kms:Decrypt", resource: "*", caller: caller, extra: [:])
        #expect(context.conditionKeys["kms:ViaService"] == ["secretsmanager.us-east-1.amazonaws.com"])
        #expect(context.conditionKeys["aws:CalledVia"] == ["secretsmanager.amazonaws.com"])
    }
}
