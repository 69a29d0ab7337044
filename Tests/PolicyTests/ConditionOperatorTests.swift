import Policy
import Testing

/// One condition case: operator, key, policy values (JSON), request values (`nil` = key absent).
struct ConditionCase: Sendable, CustomTestStringConvertible {
    let op: String
    let key: String
    let values: String
    let request: [String]?
    let expected: Bool

    init(_ op: String, _ values: String, _ request: [String]?, _ expected: Bool, key: String = "aws:Test") {
        self.op = op
        self.key = key
        self.values = values
        self.request = request
        self.expected = expected
    }

    var testDescription: String { "\(op) \(values) vs \(request.map { "\($0)" } ?? "absent") → \(expected)" }

    func run() throws -> Bool {
        let policy = try Fixture.identity(Fixture.conditionPolicy(op, key: key, valuesJSON: values))
        let keys = request.map { ["aws:test": $0] } ?? [:]
        return policy.evaluate(Fixture.context(keys: keys)).decision == .allow
    }
}

@Suite("String operators")
struct StringOperatorTests {
    static let cases: [ConditionCase] = [
        .init("StringEquals", "\"orders\"", ["orders"], true),
        .init("StringEquals", "\"orders\"", ["Orders"], false),
        .init("StringEquals", "[\"a\", \"orders\"]", ["orders"], true),
        .init("StringEquals", "\"orders\"", ["x", "orders"], true),
        .init("StringEquals", "\"orders\"", nil, false),
        .init("StringEquals", "\"ord*\"", ["orders"], false),
        .init("StringEquals", "\"ord*\"", ["ord*"], true),
        .init("StringEquals", "[]", ["orders"], false),
        .init("StringNotEquals", "\"orders\"", ["orders"], false),
        .init("StringNotEquals", "\"orders\"", ["billing"], true),
        .init("StringNotEquals", "[\"a\", \"b\"]", ["a"], false),
        .init("StringNotEquals", "[\"a\", \"b\"]", ["c"], true),
        .init("StringNotEquals", "\"orders\"", nil, true),
        .init("StringNotEquals", "\"orders\"", ["Orders"], true),
        .init("StringEqualsIgnoreCase", "\"ORDERS\"", ["orders"], true),
        .init("StringEqualsIgnoreCase", "\"orders\"", ["billing"], false),
        .init("StringEqualsIgnoreCase", "\"orders\"", nil, false),
        .init("StringNotEqualsIgnoreCase", "\"ORDERS\"", ["orders"], false),
        .init("StringNotEqualsIgnoreCase", "\"ORDERS\"", ["billing"], true),
        .init("StringNotEqualsIgnoreCase", "\"ORDERS\"", nil, true),
        .init("StringLike", "\"ord*\"", ["orders"], true),
        .init("StringLike", "\"ord?rs\"", ["orders"], true),
        .init("StringLike", "\"ord?rs\"", ["ordrs"], false),
        .init("StringLike", "\"*\"", [""], true),
        .init("StringLike", "\"Ord*\"", ["orders"], false),
        .init("StringLike", "[\"x*\", \"*ers\"]", ["orders"], true),
        .init("StringLike", "\"ord*\"", nil, false),
        .init("StringLike", "\"a*b*c\"", ["aXXbYYc"], true),
        .init("StringLike", "\"a*b*c\"", ["aXXbYY"], false),
        .init("StringNotLike", "\"ord*\"", ["orders"], false),
        .init("StringNotLike", "\"ord*\"", ["billing"], true),
        .init("StringNotLike", "\"ord*\"", nil, true),
        .init("StringNotLike", "[\"a*\", \"b*\"]", ["bee"], false),
        .init("StringEqualsIfExists", "\"orders\"", nil, true),
        .init("StringEqualsIfExists", "\"orders\"", ["orders"], true),
        .init("StringEqualsIfExists", "\"orders\"", ["billing"], false),
        .init("StringNotEqualsIfExists", "\"orders\"", ["orders"], false),
        .init("StringNotEqualsIfExists", "\"orders\"", nil, true),
        .init("StringLikeIfExists", "\"o*\"", nil, true),
        .init("StringLikeIfExists", "\"o*\"", ["x"], false),
        .init("StringEqualsIgnoreCaseIfExists", "\"A\"", ["a"], true),
        .init("StringNotLikeIfExists", "\"o*\"", ["orders"], false),
        // JSON numbers and booleans are compared as their text.
        .init("StringEquals", "42", ["42"], true),
        .init("StringEquals", "true", ["true"], true),
        .init("StringEquals", "[1, \"two\", false]", ["false"], true),
    ]

    @Test(arguments: cases)
    func evaluate(_ c: ConditionCase) throws {
        #expect(try c.run() == c.expected)
    }
}

@Suite("Numeric operators")
struct NumericOperatorTests {
    static let cases: [ConditionCase] = [
        .init("NumericEquals", "10", ["10"], true),
        .init("NumericEquals", "\"10\"", ["10.0"], true),
        .init("NumericEquals", "10", ["11"], false),
        .init("NumericEquals", "10", ["ten"], false),
        .init("NumericEquals", "10", nil, false),
        .init("NumericEquals", "[1, 2, 3]", ["2"], true),
        .init("NumericEquals", "\"0x10\"", ["16"], false),
        .init("NumericNotEquals", "10", ["10"], false),
        .init("NumericNotEquals", "10", ["11"], true),
        .init("NumericNotEquals", "10", nil, true),
        .init("NumericNotEquals", "[1, 2]", ["2"], false),
        .init("NumericLessThan", "10", ["9"], true),
        .init("NumericLessThan", "10", ["10"], false),
        .init("NumericLessThan", "10", ["-5.5"], true),
        .init("NumericLessThan", "10", nil, false),
        .init("NumericLessThanEquals", "10", ["10"], true),
        .init("NumericLessThanEquals", "10", ["10.01"], false),
        .init("NumericGreaterThan", "10", ["11"], true),
        .init("NumericGreaterThan", "10", ["10"], false),
        .init("NumericGreaterThan", "1e3", ["1001"], true),
        .init("NumericGreaterThanEquals", "10", ["10"], true),
        .init("NumericGreaterThanEquals", "10", ["9"], false),
        .init("NumericGreaterThanEquals", "10", nil, false),
        .init("NumericLessThanIfExists", "10", nil, true),
        .init("NumericLessThanIfExists", "10", ["20"], false),
        .init("NumericGreaterThanIfExists", "10", ["20"], true),
    ]

    @Test(arguments: cases)
    func evaluate(_ c: ConditionCase) throws {
        #expect(try c.run() == c.expected)
    }
}

@Suite("Date operators")
struct DateOperatorTests {
    static let cases: [ConditionCase] = [
        .init("DateEquals", "\"2024-01-31T12:00:00Z\"", ["2024-01-31T12:00:00Z"], true),
        .init("DateEquals", "\"2024-01-31T12:00:00Z\"", ["2024-01-31T14:00:00+02:00"], true),
        .init("DateEquals", "\"2024-01-31T12:00:00Z\"", ["1706702400"], true),
        .init("DateEquals", "1706702400", ["2024-01-31T12:00:00.000Z"], true),
        .init("DateEquals", "\"2024-01-31\"", ["2024-01-31T00:00:00Z"], true),
        .init("DateEquals", "\"2024-01-31T12:00:00Z\"", ["2024-01-31T12:00:01Z"], false),
        .init("DateEquals", "\"2024-01-31T12:00:00Z\"", ["not a date"], false),
        .init("DateEquals", "\"2024-02-30T12:00:00Z\"", ["2024-03-01T12:00:00Z"], false),
        .init("DateEquals", "\"2024-01-31T12:00:00Z\"", nil, false),
        .init("DateNotEquals", "\"2024-01-31T12:00:00Z\"", ["2024-01-31T12:00:00Z"], false),
        .init("DateNotEquals", "\"2024-01-31T12:00:00Z\"", ["2025-01-31T12:00:00Z"], true),
        .init("DateNotEquals", "\"2024-01-31T12:00:00Z\"", nil, true),
        .init("DateLessThan", "\"2024-01-31T12:00:00Z\"", ["2024-01-31T11:59:59Z"], true),
        .init("DateLessThan", "\"2024-01-31T12:00:00Z\"", ["2024-01-31T12:00:00Z"], false),
        .init("DateLessThan", "\"2024-01-31T12:00:00Z\"", ["2024-01-31T07:00:00-05:00"], false),
        .init("DateLessThan", "\"2000-01-01\"", ["1999-12-31T23:59:59Z"], true),
        .init("DateLessThanEquals", "\"2024-01-31T12:00:00Z\"", ["2024-01-31T12:00:00Z"], true),
        .init("DateLessThanEquals", "\"2024-01-31T12:00:00Z\"", ["2024-01-31T12:00:00.5Z"], false),
        .init("DateGreaterThan", "\"2024-01-31T12:00:00Z\"", ["2024-02-29T00:00:00Z"], true),
        .init("DateGreaterThan", "\"2024-01-31T12:00:00Z\"", ["2023-02-28T00:00:00Z"], false),
        .init("DateGreaterThan", "\"2024-01-31T12:00:00Z\"", nil, false),
        .init("DateGreaterThanEquals", "\"2024-01-31T12:00:00Z\"", ["2024-01-31T12:00:00Z"], true),
        .init("DateGreaterThanEquals", "\"2024-01-31T12:00:00Z\"", ["1706702399"], false),
        .init("DateLessThanIfExists", "\"2024-01-31T12:00:00Z\"", nil, true),
        .init("DateGreaterThanIfExists", "\"2024-01-31T12:00:00Z\"", ["2020-01-01T00:00:00Z"], false),
    ]

    @Test(arguments: cases)
    func evaluate(_ c: ConditionCase) throws {
        #expect(try c.run() == c.expected)
    }
}

@Suite("Bool, Binary, Null operators")
struct BoolBinaryNullTests {
    static let cases: [ConditionCase] = [
        .init("Bool", "true", ["true"], true),
        .init("Bool", "\"true\"", ["true"], true),
        .init("Bool", "true", ["TRUE"], true),
        .init("Bool", "true", ["false"], false),
        .init("Bool", "false", ["false"], true),
        .init("Bool", "true", nil, false),
        .init("Bool", "false", nil, false),
        .init("Bool", "\"yes\"", ["yes"], false),
        .init("BoolIfExists", "false", nil, true),
        .init("BoolIfExists", "false", ["true"], false),
        .init("BinaryEquals", "\"QmluYXJ5VmFsdWU=\"", ["QmluYXJ5VmFsdWU="], true),
        .init("BinaryEquals", "\"QmluYXJ5VmFsdWU=\"", ["T3RoZXI="], false),
        .init("BinaryEquals", "\"QmluYXJ5VmFsdWU=\"", ["not base64!"], false),
        .init("BinaryEquals", "\"QmluYXJ5VmFsdWU=\"", nil, false),
        .init("BinaryEqualsIfExists", "\"QmluYXJ5VmFsdWU=\"", nil, true),
        .init("Null", "true", nil, true),
        .init("Null", "true", ["x"], false),
        .init("Null", "false", ["x"], true),
        .init("Null", "false", nil, false),
        .init("Null", "\"true\"", nil, true),
        .init("Null", "true", [], true),
    ]

    @Test(arguments: cases)
    func evaluate(_ c: ConditionCase) throws {
        #expect(try c.run() == c.expected)
    }
}

@Suite("IP address operators")
struct IPOperatorTests {
    static let cases: [ConditionCase] = [
        .init("IpAddress", "\"203.0.113.0/24\"", ["203.0.113.7"], true),
        .init("IpAddress", "\"203.0.113.0/24\"", ["203.0.114.7"], false),
        .init("IpAddress", "\"203.0.113.7\"", ["203.0.113.7"], true),
        .init("IpAddress", "\"203.0.113.7\"", ["203.0.113.8"], false),
        .init("IpAddress", "\"0.0.0.0/0\"", ["8.8.8.8"], true),
        .init("IpAddress", "[\"10.0.0.0/8\", \"192.168.0.0/16\"]", ["192.168.1.1"], true),
        .init("IpAddress", "\"2001:db8::/32\"", ["2001:db8:1::1"], true),
        .init("IpAddress", "\"2001:db8::/32\"", ["2001:db9::1"], false),
        .init("IpAddress", "\"2001:db8::1\"", ["2001:0db8:0000:0000:0000:0000:0000:0001"], true),
        .init("IpAddress", "\"10.0.0.0/8\"", ["2001:db8::1"], false),
        .init("IpAddress", "\"10.0.0.0/8\"", ["::ffff:10.1.2.3"], true),
        .init("IpAddress", "\"10.0.0.0/8\"", ["garbage"], false),
        .init("IpAddress", "\"not-a-cidr\"", ["10.0.0.1"], false),
        .init("IpAddress", "\"10.0.0.0/8\"", nil, false),
        .init("NotIpAddress", "\"10.0.0.0/8\"", ["10.1.2.3"], false),
        .init("NotIpAddress", "\"10.0.0.0/8\"", ["11.1.2.3"], true),
        .init("NotIpAddress", "\"10.0.0.0/8\"", nil, true),
        .init("NotIpAddress", "[\"10.0.0.0/8\", \"172.16.0.0/12\"]", ["172.20.0.1"], false),
        .init("IpAddressIfExists", "\"10.0.0.0/8\"", nil, true),
        .init("NotIpAddressIfExists", "\"10.0.0.0/8\"", ["10.0.0.1"], false),
    ]

    @Test(arguments: cases)
    func evaluate(_ c: ConditionCase) throws {
        #expect(try c.run() == c.expected)
    }
}

@Suite("ARN operators")
struct ArnOperatorTests {
    static let role = "arn:aws:iam::111122223333:role/Admin"
    static let cases: [ConditionCase] = [
        .init("ArnEquals", "\"\(role)\"", [role], true),
        .init("ArnEquals", "\"\(role)\"", ["arn:aws:iam::111122223333:role/admin"], false),
        .init("ArnEquals", "\"arn:aws:iam::*:role/Admin\"", [role], true),
        .init("ArnLike", "\"arn:aws:iam::111122223333:role/*\"", [role], true),
        .init("ArnLike", "\"arn:aws:iam::111122223333:user/*\"", [role], false),
        .init("ArnLike", "\"arn:aws:iam::?????????333:role/Admin\"", [role], true),
        .init("ArnLike", "\"arn:*:iam::111122223333:*\"", [role], true),
        .init("ArnLike", "\"arn:aws:*\"", [role], false),
        .init("ArnLike", "\"*\"", [role], true),
        .init("ArnLike", "\"arn:aws:sqs:*:111122223333:queue:*\"", ["arn:aws:sqs:us-east-1:111122223333:queue:a:b"], true),
        .init("ArnLike", "\"arn:aws:iam::111122223333:role/*\"", ["not-an-arn"], false),
        .init("ArnLike", "\"arn:aws:iam::111122223333:role/*\"", nil, false),
        // '*' in one component does not swallow colons of another.
        .init("ArnLike", "\"arn:aws:iam::*\"", ["arn:aws:iam::111122223333:role/Admin"], false),
        .init("ArnNotEquals", "\"\(role)\"", [role], false),
        .init("ArnNotEquals", "\"\(role)\"", ["arn:aws:iam::111122223333:role/Other"], true),
        .init("ArnNotEquals", "\"\(role)\"", nil, true),
        .init("ArnNotLike", "\"arn:aws:iam::111122223333:*\"", [role], false),
        .init("ArnNotLike", "\"arn:aws:iam::444455556666:*\"", [role], true),
        .init("ArnNotLike", "\"arn:aws:iam::444455556666:*\"", nil, true),
        .init("ArnLikeIfExists", "\"arn:aws:iam::111122223333:role/*\"", nil, true),
        .init("ArnEqualsIfExists", "\"\(role)\"", ["arn:aws:iam::111122223333:role/X"], false),
    ]

    @Test(arguments: cases)
    func evaluate(_ c: ConditionCase) throws {
        #expect(try c.run() == c.expected)
    }
}

@Suite("ForAllValues / ForAnyValue")
struct SetOperatorTests {
    static let cases: [ConditionCase] = [
        .init("ForAllValues:StringEquals", "[\"a\", \"b\"]", ["a"], true),
        .init("ForAllValues:StringEquals", "[\"a\", \"b\"]", ["a", "b"], true),
        .init("ForAllValues:StringEquals", "[\"a\", \"b\"]", ["a", "c"], false),
        .init("ForAllValues:StringEquals", "[\"a\", \"b\"]", nil, true),
        .init("ForAllValues:StringEquals", "[\"a\", \"b\"]", [], true),
        .init("ForAllValues:StringLike", "\"a*\"", ["ab", "ac"], true),
        .init("ForAllValues:StringLike", "\"a*\"", ["ab", "bc"], false),
        .init("ForAllValues:StringNotEquals", "[\"a\", \"b\"]", ["c", "d"], true),
        .init("ForAllValues:StringNotEquals", "[\"a\", \"b\"]", ["c", "a"], false),
        .init("ForAllValues:NumericLessThan", "10", ["1", "2"], true),
        .init("ForAllValues:NumericLessThan", "10", ["1", "20"], false),
        .init("ForAllValues:IpAddress", "\"10.0.0.0/8\"", ["10.1.1.1", "10.2.2.2"], true),
        .init("ForAnyValue:StringEquals", "[\"a\", \"b\"]", ["c", "b"], true),
        .init("ForAnyValue:StringEquals", "[\"a\", \"b\"]", ["c", "d"], false),
        .init("ForAnyValue:StringEquals", "[\"a\", \"b\"]", nil, false),
        .init("ForAnyValue:StringEquals", "[\"a\", \"b\"]", [], false),
        .init("ForAnyValue:StringLike", "\"*x\"", ["ax", "b"], true),
        .init("ForAnyValue:StringNotEquals", "[\"a\"]", ["a", "b"], true),
        .init("ForAnyValue:StringNotEquals", "[\"a\"]", ["a"], false),
        .init("ForAnyValue:StringNotEquals", "[\"a\"]", nil, false),
        .init("ForAnyValue:StringEqualsIfExists", "[\"a\"]", nil, true),
        .init("ForAnyValue:NumericGreaterThan", "5", ["1", "9"], true),
        .init("ForAnyValue:ArnLike", "\"arn:aws:iam::*:role/A\"", ["arn:aws:iam::1:role/B", "arn:aws:iam::2:role/A"], true),
        .init("ForAllValues:StringEqualsIgnoreCase", "[\"A\"]", ["a", "A"], true),
        // Without a set prefix a multi-valued key matches when any value matches (negated: when none does).
        .init("StringEquals", "\"a\"", ["b", "a"], true),
        .init("StringNotEquals", "\"a\"", ["b", "a"], false),
        .init("StringNotEquals", "\"a\"", ["b", "c"], true),
    ]

    @Test(arguments: cases)
    func evaluate(_ c: ConditionCase) throws {
        #expect(try c.run() == c.expected)
    }
}

@Suite("Condition structure")
struct ConditionStructureTests {
    @Test func keyNamesAreCaseInsensitive() throws {
        let policy = try Fixture.identity(
            Fixture.conditionPolicy("StringEquals", key: "kms:EncryptionContext:App", valuesJSON: "\"orders\""))
        #expect(policy.evaluate(Fixture.context(keys: ["KMS:encryptioncontext:app": ["orders"]])).isAllowed)
        #expect(!policy.evaluate(Fixture.context(keys: ["kms:EncryptionContext:app": ["ORDERS"]])).isAllowed)
    }

    @Test func multipleKeysInOneOperatorAreAnded() throws {
        let text = """
            {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:a": "1", "aws:b": "2"}}}}
            """
        let policy = try Fixture.identity(text)
        #expect(policy.evaluate(Fixture.context(keys: ["aws:a": ["1"], "aws:b": ["2"]])).isAllowed)
        #expect(!policy.evaluate(Fixture.context(keys: ["aws:a": ["1"], "aws:b": ["3"]])).isAllowed)
        #expect(!policy.evaluate(Fixture.context(keys: ["aws:a": ["1"]])).isAllowed)
    }

    @Test func multipleOperatorsAreAnded() throws {
        let text = """
            {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "true"}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}}
            """
        let policy = try Fixture.identity(text)
        #expect(
            policy.evaluate(Fixture.context(keys: ["aws:SecureTransport": ["true"], "aws:SourceIp": ["10.0.0.1"]])).isAllowed)
        #expect(
            !policy.evaluate(Fixture.context(keys: ["aws:SecureTransport": ["false"], "aws:SourceIp": ["10.0.0.1"]])).isAllowed)
        #expect(
            !policy.evaluate(Fixture.context(keys: ["aws:SecureTransport": ["true"], "aws:SourceIp": ["11.0.0.1"]])).isAllowed)
    }

    @Test func principalKeysAreSuppliedFromTheContext() throws {
        let policy = try Fixture.identity(
            Fixture.conditionPolicy("StringEquals", key: "aws:PrincipalAccount", valuesJSON: "\"111122223333\""))
        #expect(policy.evaluate(Fixture.context()).isAllowed)
        let arnPolicy = try Fixture.identity(
            Fixture.conditionPolicy("ArnLike", key: "aws:PrincipalArn", valuesJSON: "\"arn:aws:iam::111122223333:user/*\""))
        #expect(arnPolicy.evaluate(Fixture.context()).isAllowed)
        #expect(!arnPolicy.evaluate(Fixture.context(principal: Fixture.bob, account: Fixture.otherAccount)).isAllowed)
    }

    @Test func denyOnInsecureTransport() throws {
        let text = """
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
              {"Sid": "DenyHttp", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
            """
        let policy = try Fixture.identity(text)
        let denied = policy.evaluate(Fixture.context(keys: ["aws:SecureTransport": ["false"]]))
        #expect(denied.decision == .explicitDeny)
        #expect(denied.matchedStatement == "DenyHttp")
        #expect(policy.evaluate(Fixture.context(keys: ["aws:SecureTransport": ["true"]])).decision == .allow)
        #expect(policy.evaluate(Fixture.context()).decision == .allow)
    }
}
