import Policy
import Testing

/// A resource or condition template, the variables, the request value and whether it matches.
struct VariableCase: Sendable, CustomTestStringConvertible {
    let name: String
    let policy: String
    let context: RequestContext
    let expected: Bool
    var testDescription: String { name }
}

private func resourcePolicy(_ resource: String, version: String? = "2012-10-17") -> String {
    Fixture.allow(action: "s3:GetObject", resource: resource, version: version)
}

private func ctx(
    _ resource: String, vars: [String: String] = ["aws:username": "alice"], keys: [String: [String]] = [:]
) -> RequestContext {
    Fixture.context(action: "s3:GetObject", resource: resource, keys: keys, variables: vars)
}

private func cctx(keys: [String: [String]]) -> RequestContext {
    Fixture.context(keys: keys, variables: ["aws:username": "alice"])
}

@Suite("Policy variables")
struct PolicyVariableTests {
    static let cases: [VariableCase] = [
        .init(
            name: "username in resource", policy: resourcePolicy("arn:aws:s3:::bucket/${aws:username}/*"),
            context: ctx("arn:aws:s3:::bucket/alice/file"), expected: true),
        .init(
            name: "username other user", policy: resourcePolicy("arn:aws:s3:::bucket/${aws:username}/*"),
            context: ctx("arn:aws:s3:::bucket/bob/file"), expected: false),
        .init(
            name: "variable name is case-insensitive", policy: resourcePolicy("arn:aws:s3:::bucket/${AWS:UserName}/*"),
            context: ctx("arn:aws:s3:::bucket/alice/file"), expected: true),
        .init(
            name: "unknown variable matches nothing", policy: resourcePolicy("arn:aws:s3:::bucket/${aws:userid}/*"),
            context: ctx("arn:aws:s3:::bucket/${aws:userid}/file"), expected: false),
        .init(
            name: "userid", policy: resourcePolicy("arn:aws:s3:::bucket/${aws:userid}"),
            context: ctx("arn:aws:s3:::bucket/AIDAEXAMPLE", vars: ["aws:userid": "AIDAEXAMPLE"]), expected: true),
        .init(
            name: "principal account from context", policy: resourcePolicy("arn:aws:s3:::bucket/${aws:PrincipalAccount}/*"),
            context: ctx("arn:aws:s3:::bucket/111122223333/x"), expected: true),
        .init(
            name: "any key from variables", policy: resourcePolicy("arn:aws:s3:::${aws:PrincipalTag/team}/*"),
            context: ctx("arn:aws:s3:::red/x", vars: ["aws:PrincipalTag/team": "red"]), expected: true),
        .init(
            name: "single-valued condition key as variable", policy: resourcePolicy("arn:aws:s3:::b/${s3:prefix}"),
            context: ctx("arn:aws:s3:::b/home", keys: ["s3:prefix": ["home"]]), expected: true),
        .init(
            name: "default value used", policy: resourcePolicy("arn:aws:s3:::b/${aws:PrincipalTag/x, 'none'}"),
            context: ctx("arn:aws:s3:::b/none"), expected: true),
        .init(
            name: "default value not used", policy: resourcePolicy("arn:aws:s3:::b/${aws:username, 'none'}"),
            context: ctx("arn:aws:s3:::b/none"), expected: false),
        .init(
            name: "escape star is literal", policy: resourcePolicy("arn:aws:s3:::b/${*}"),
            context: ctx("arn:aws:s3:::b/*"), expected: true),
        .init(
            name: "escape star does not wildcard", policy: resourcePolicy("arn:aws:s3:::b/${*}"),
            context: ctx("arn:aws:s3:::b/anything"), expected: false),
        .init(
            name: "escape question mark", policy: resourcePolicy("arn:aws:s3:::b/${?}"),
            context: ctx("arn:aws:s3:::b/?"), expected: true),
        .init(
            name: "escape question mark is literal", policy: resourcePolicy("arn:aws:s3:::b/${?}"),
            context: ctx("arn:aws:s3:::b/x"), expected: false),
        .init(
            name: "escape dollar", policy: resourcePolicy("arn:aws:s3:::b/${$}x"),
            context: ctx("arn:aws:s3:::b/$x"), expected: true),
        .init(
            name: "substituted value is literal", policy: resourcePolicy("arn:aws:s3:::b/${aws:username}"),
            context: ctx("arn:aws:s3:::b/anything", vars: ["aws:username": "*"]), expected: false),
        .init(
            name: "2008 version does not substitute",
            policy: resourcePolicy("arn:aws:s3:::b/${aws:username}", version: "2008-10-17"),
            context: ctx("arn:aws:s3:::b/alice"), expected: false),
        .init(
            name: "2008 version treats text literally",
            policy: resourcePolicy("arn:aws:s3:::b/${aws:username}", version: "2008-10-17"),
            context: ctx("arn:aws:s3:::b/${aws:username}"), expected: true),
        .init(
            name: "no version does not substitute", policy: resourcePolicy("arn:aws:s3:::b/${aws:username}", version: nil),
            context: ctx("arn:aws:s3:::b/alice"), expected: false),
        .init(
            name: "unterminated variable is literal", policy: resourcePolicy("arn:aws:s3:::b/${aws:username"),
            context: ctx("arn:aws:s3:::b/${aws:username"), expected: true),
        .init(
            name: "condition value substituted",
            policy: Fixture.conditionPolicy("StringEquals", key: "aws:test", valuesJSON: "\"${aws:username}\""),
            context: cctx(keys: ["aws:test": ["alice"]]), expected: true),
        .init(
            name: "condition value unknown variable",
            policy: Fixture.conditionPolicy("StringEquals", key: "aws:test", valuesJSON: "\"${aws:nope}\""),
            context: cctx(keys: ["aws:test": ["${aws:nope}"]]), expected: false),
        .init(
            name: "negated operator with unknown variable",
            policy: Fixture.conditionPolicy("StringNotEquals", key: "aws:test", valuesJSON: "\"${aws:nope}\""),
            context: cctx(keys: ["aws:test": ["a"]]), expected: true),
        .init(
            name: "StringLike escape star is literal",
            policy: Fixture.conditionPolicy("StringLike", key: "aws:test", valuesJSON: "\"a${*}\""),
            context: cctx(keys: ["aws:test": ["abc"]]), expected: false),
        .init(
            name: "StringLike escape star matches star",
            policy: Fixture.conditionPolicy("StringLike", key: "aws:test", valuesJSON: "\"a${*}\""),
            context: cctx(keys: ["aws:test": ["a*"]]), expected: true),
        .init(
            name: "StringLike variable then wildcard",
            policy: Fixture.conditionPolicy("StringLike", key: "aws:test", valuesJSON: "\"home/${aws:username}/*\""),
            context: cctx(keys: ["aws:test": ["home/alice/docs"]]), expected: true),
        .init(
            name: "StringEquals escape star",
            policy: Fixture.conditionPolicy("StringEquals", key: "aws:test", valuesJSON: "\"${*}\""),
            context: cctx(keys: ["aws:test": ["*"]]), expected: true),
        .init(
            name: "2008 condition not substituted",
            policy: Fixture.conditionPolicy(
                "StringEquals", key: "aws:test", valuesJSON: "\"${aws:username}\"", version: "2008-10-17"),
            context: cctx(keys: ["aws:test": ["alice"]]), expected: false),
        .init(
            name: "ArnLike with principal ARN variable",
            policy: Fixture.conditionPolicy("ArnEquals", key: "aws:test", valuesJSON: "\"${aws:PrincipalArn}\""),
            context: cctx(keys: ["aws:test": [Fixture.alice]]), expected: true),
    ]

    @Test(arguments: cases)
    func substitute(_ c: VariableCase) throws {
        let policy = try Fixture.identity(c.policy)
        #expect(policy.evaluate(c.context).isAllowed == c.expected)
    }
}
