import Policy
import Testing

/// A malformed document and the error it must produce.
struct ParseErrorCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let kind: PolicyKind
    let code: PolicyError.Code
    let message: String?

    init(_ name: String, _ text: String, kind: PolicyKind = .identity, _ code: PolicyError.Code, _ message: String? = nil) {
        self.name = name
        self.text = text
        self.kind = kind
        self.code = code
        self.message = message
    }

    var testDescription: String { name }
}

private let ok = #""Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*""#
private func doc(_ statement: String, version: String = #""Version": "2012-10-17","#) -> String {
    "{\(version) \"Statement\": {\(statement)}}"
}

@Suite("Policy parsing errors")
struct PolicyParseErrorTests {
    static let cases: [ParseErrorCase] = [
        .init("not JSON", "{\"Version\": ", .invalidJSON, "This policy contains invalid Json"),
        .init("trailing comma", doc(ok + ","), .invalidJSON),
        .init("trailing garbage", doc(ok) + "x", .invalidJSON),
        .init("duplicate key", doc(ok + #", "Effect": "Deny""#), .invalidJSON),
        .init("bad escape", doc(#""Sid": "a\q", "# + ok), .invalidJSON),
        .init("empty text", "", .invalidJSON),
        .init("top-level array", "[]", .syntaxError, "Syntax errors in policy."),
        .init("unknown top-level field", #"{"Version": "2012-10-17", "Foo": 1, "Statement": {"# + ok + "}}", .syntaxError),
        .init("unknown statement field", doc(ok + #", "Extra": "x""#), .syntaxError, "Syntax errors in policy."),
        .init("lowercase field name", doc(#""effect": "Allow", "Action": "kms:Encrypt", "Resource": "*""#), .syntaxError),
        .init("bad version", doc(ok, version: #""Version": "2012-10-18","#), .invalidVersion, "The policy failed legacy parsing"),
        .init("numeric version", doc(ok, version: #""Version": 2012,"#), .syntaxError),
        .init("missing statement", #"{"Version": "2012-10-17"}"#, .missingRequiredField, "Missing required field Statement"),
        .init("empty statement array", #"{"Version": "2012-10-17", "Statement": []}"#, .missingRequiredField),
        .init("statement is a string", #"{"Version": "2012-10-17", "Statement": "x"}"#, .syntaxError),
        .init(
            "missing effect", doc(#""Action": "kms:Encrypt", "Resource": "*""#), .missingRequiredField,
            "Missing required field Effect"),
        .init(
            "invalid effect", doc(#""Effect": "Permit", "Action": "kms:Encrypt", "Resource": "*""#), .invalidEffect,
            "Invalid effect: Permit"),
        .init(
            "lowercase effect", doc(#""Effect": "allow", "Action": "kms:Encrypt", "Resource": "*""#), .invalidEffect,
            "Invalid effect: allow"),
        .init(
            "missing action", doc(#""Effect": "Allow", "Resource": "*""#), .missingRequiredField, "Missing required field Action"),
        .init(
            "empty action array", doc(#""Effect": "Allow", "Action": [], "Resource": "*""#), .missingRequiredField,
            "Missing required field Action"),
        .init(
            "action without vendor", doc(#""Effect": "Allow", "Action": "Encrypt", "Resource": "*""#), .missingVendorPrefix,
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        .init(
            "action with empty vendor", doc(#""Effect": "Allow", "Action": ":Encrypt", "Resource": "*""#), .missingVendorPrefix),
        .init("numeric action", doc(#""Effect": "Allow", "Action": 5, "Resource": "*""#), .syntaxError),
        .init("action and notaction", doc(ok + #", "NotAction": "kms:Decrypt""#), .syntaxError),
        .init("resource and notresource", doc(ok + #", "NotResource": "*""#), .syntaxError),
        .init(
            "identity without resource", doc(#""Effect": "Allow", "Action": "kms:Encrypt""#), .missingResource,
            "Policy statement must contain resources."),
        .init("resource not an ARN", doc(#""Effect": "Allow", "Action": "kms:Encrypt", "Resource": "mykey""#), .invalidResource),
        .init(
            "identity with principal", doc(ok + #", "Principal": "*""#), .principalNotAllowed,
            "Policy document should not specify a principal."),
        .init("identity with notprincipal", doc(ok + #", "NotPrincipal": {"AWS": "111122223333"}"#), .principalNotAllowed),
        .init("resource without principal", doc(ok), kind: .resource, .missingRequiredField, "Missing required field Principal"),
        .init(
            "key policy without principal", doc(ok), kind: .keyPolicy, .missingRequiredField,
            "Policy contains a statement with no principal."),
        .init("principal and notprincipal", doc(ok + #", "Principal": "*", "NotPrincipal": "*""#), kind: .resource, .syntaxError),
        .init("principal wildcard string other than *", doc(ok + #", "Principal": "alice""#), kind: .resource, .invalidPrincipal),
        .init(
            "principal partial wildcard", doc(ok + #", "Principal": {"AWS": "arn:aws:iam::111122223333:user/*"}"#),
            kind: .resource, .invalidPrincipal,
            #"Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/*""#),
        .init(
            "principal not an ARN", doc(ok + #", "Principal": {"AWS": "alice"}"#), kind: .keyPolicy, .invalidPrincipal,
            "Policy contains a statement with one or more invalid principals."),
        .init("principal short account id", doc(ok + #", "Principal": {"AWS": "1234"}"#), kind: .resource, .invalidPrincipal),
        .init("principal unknown type", doc(ok + #", "Principal": {"Users": "x"}"#), kind: .resource, .invalidPrincipal),
        .init("principal empty object", doc(ok + #", "Principal": {}"#), kind: .resource, .syntaxError),
        .init("principal number", doc(ok + #", "Principal": 5"#), kind: .resource, .syntaxError),
        .init(
            "unknown condition operator", doc(ok + #", "Condition": {"StringEqualz": {"aws:x": "y"}}"#), .invalidConditionType,
            "Invalid Condition type : StringEqualz"),
        .init(
            "condition operator wrong case", doc(ok + #", "Condition": {"stringequals": {"aws:x": "y"}}"#), .invalidConditionType),
        .init(
            "NullIfExists is not an operator", doc(ok + #", "Condition": {"NullIfExists": {"aws:x": "true"}}"#),
            .invalidConditionType),
        .init(
            "bad set prefix", doc(ok + #", "Condition": {"ForSomeValues:StringEquals": {"aws:x": "y"}}"#), .invalidConditionType),
        .init(
            "condition key without vendor", doc(ok + #", "Condition": {"StringEquals": {"SourceIp": "y"}}"#), .missingVendorPrefix
        ),
        .init("condition not an object", doc(ok + #", "Condition": "x""#), .syntaxError),
        .init("condition block not an object", doc(ok + #", "Condition": {"StringEquals": ["x"]}"#), .syntaxError),
        .init("condition value object", doc(ok + #", "Condition": {"StringEquals": {"aws:x": {"a": 1}}}"#), .syntaxError),
        .init("condition value null", doc(ok + #", "Condition": {"StringEquals": {"aws:x": null}}"#), .syntaxError),
        .init("sid not alphanumeric in identity policy", doc(#""Sid": "my sid", "# + ok), .invalidSid),
        .init("sid number", doc(#""Sid": 1, "# + ok), kind: .keyPolicy, .syntaxError),
        .init(
            "duplicate sid", #"{"Version": "2012-10-17", "Statement": [{"Sid": "A", "# + ok + #"}, {"Sid": "A", "# + ok + "}]}",
            .invalidSid,
            "Statement IDs (SID) in a single policy must be unique."),
        .init("id not a string", #"{"Id": 5, "Statement": {"# + ok + "}}", .syntaxError),
    ]

    @Test(arguments: cases)
    func refuses(_ c: ParseErrorCase) {
        #expect(throws: PolicyError(code: c.code, message: "")) {
            try PolicyDocument.parse(c.text, kind: c.kind)
        }
        if let message = c.message {
            do {
                _ = try PolicyDocument.parse(c.text, kind: c.kind)
            } catch {
                #expect(error.message == message)
            }
        }
    }
}

@Suite("Policy parsing")
struct PolicyParseTests {
    static let valid: [String] = [
        doc(ok),
        doc(ok, version: #""Version": "2008-10-17","#),
        doc(ok, version: ""),
        #"{"Id": "key-default-1", "Version": "2012-10-17", "Statement": [{"# + ok + "}]}",
        doc(#""Effect": "Deny", "NotAction": ["kms:Decrypt", "kms:Re*"], "NotResource": "arn:aws:kms:*:*:key/*""#),
        doc(#""Effect": "Allow", "Action": "*", "Resource": "*""#),
        doc(#""Effect": "Allow", "Action": "kms:*", "Resource": ["arn:aws:kms:us-east-1:111122223333:key/*", "*"]"#),
        doc(ok + #", "Condition": {}"#),
        doc(ok + #", "Condition": {"ForAnyValue:StringLikeIfExists": {"kms:EncryptionContextKeys": ["a*", 1, true]}}"#),
        doc(#""Sid": "Stmt1", "# + ok),
        doc(#""Sid": "", "# + ok),
        "  \n" + doc(ok) + "\n\t",
        doc(#""Effect": "Allow", "Action": "s3-object-lambda:Get*", "Resource": "*""#),
        #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "arn:aws:kms:us-east-1:111122223333:key/\u0041bc"}}"#,
    ]

    @Test(arguments: valid)
    func acceptsIdentityPolicy(_ text: String) throws {
        _ = try PolicyDocument.parse(text, kind: .identity)
    }

    static let validKeyPolicies: [String] = [
        doc(#""Sid": "Enable IAM User Permissions", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "# + ok),
        doc(#""Principal": {"AWS": "111122223333"}, "# + ok),
        doc(#""Principal": "*", "# + ok),
        doc(#""Principal": {"AWS": "*"}, "# + ok),
        doc(#""Principal": {"AWS": ["arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:role/R"]}, "# + ok),
        doc(#""Principal": {"Service": "logs.us-east-1.amazonaws.com"}, "# + ok),
        doc(#""Principal": {"AWS": "arn:aws:sts::111122223333:assumed-role/R/S", "Service": ["a.amazonaws.com"]}, "# + ok),
        doc(#""Principal": {"Federated": "cognito-identity.amazonaws.com"}, "# + ok),
        doc(#""Principal": {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, "# + ok),
        doc(#""NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Effect": "Deny", "Action": "kms:*", "Resource": "*""#),
        doc(#""Principal": "*", "Effect": "Allow", "Action": "kms:*""#),
    ]

    @Test(arguments: validKeyPolicies)
    func acceptsKeyPolicy(_ text: String) throws {
        _ = try PolicyDocument.parse(text, kind: .keyPolicy)
        _ = try PolicyDocument.parse(text, kind: .resource)
    }

    @Test func parsedStructure() throws {
        let text = """
            {"Version": "2012-10-17", "Id": "k1", "Statement": [
              {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:root"], "Service": "x.amazonaws.com"},
               "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
               "Condition": {"NumericLessThan": {"kms:X": 5}, "ForAnyValue:StringEqualsIfExists": {"kms:Y": [true, "b"]}}},
              {"Effect": "Deny", "NotPrincipal": "*", "NotAction": "kms:*", "NotResource": "arn:aws:kms:*:*:key/*"}]}
            """
        let policy = try PolicyDocument.parse(text, kind: .keyPolicy)
        #expect(policy.version == .version2012)
        #expect(policy.id == "k1")
        #expect(policy.statements.count == 2)
        let first = policy.statements[0]
        #expect(first.sid == "A")
        #expect(first.effect == .allow)
        #expect(
            first.principal
                == .principals([
                    PolicyPrincipal(kind: .aws, value: "111122223333"),
                    PolicyPrincipal(kind: .aws, value: "arn:aws:iam::444455556666:root"),
                    PolicyPrincipal(kind: .service, value: "x.amazonaws.com"),
                ]))
        #expect(first.actions == ["kms:Encrypt", "kms:Decrypt"])
        #expect(
            first.conditions == [
                Condition(conditionOperator: ConditionOperator(base: .numericLessThan), key: "kms:X", values: ["5"]),
                Condition(
                    conditionOperator: ConditionOperator(base: .stringEquals, qualifier: .forAnyValue, ifExists: true),
                    key: "kms:Y", values: ["true", "b"]),
            ])
        let second = policy.statements[1]
        #expect(second.effect == .deny)
        #expect(second.notPrincipal == .any)
        #expect(second.notActions == ["kms:*"])
        #expect(second.notResources == ["arn:aws:kms:*:*:key/*"])
        #expect(second.resources == nil)
        #expect(PolicyPrincipal(kind: .aws, value: "arn:aws:iam::444455556666:root").accountId == "444455556666")
        #expect(PolicyPrincipal(kind: .aws, value: "arn:aws:iam::444455556666:user/x").accountId == nil)
    }

    @Test func versionAbsentMeansNoVariables() throws {
        #expect(try PolicyDocument.parse(doc(ok, version: ""), kind: .identity).version == nil)
        #expect(try !PolicyDocument.parse(doc(ok, version: ""), kind: .identity).usesPolicyVariables)
        #expect(try PolicyDocument.parse(doc(ok), kind: .identity).usesPolicyVariables)
    }

    @Test(arguments: ConditionOperator.Base.allCases)
    func operatorNamesRoundTrip(_ base: ConditionOperator.Base) {
        for qualifier in [nil] + ConditionOperator.SetQualifier.allCases.map(Optional.some) {
            for ifExists in [false, true] where base != .null || (qualifier == nil && !ifExists) {
                let op = ConditionOperator(base: base, qualifier: qualifier, ifExists: ifExists)
                #expect(ConditionOperator(rawValue: op.rawValue) == op)
            }
        }
    }

    @Test func errorsCompareByCode() {
        #expect(PolicyError.syntaxError == PolicyError(code: .syntaxError, message: "other"))
        #expect(PolicyError.invalidEffect("X") != PolicyError.syntaxError)
        #expect(PolicyError.invalidEffect("X").message == "Invalid effect: X")
        #expect(PolicyError.prohibitedField("Principal").message == "Has prohibited field Principal")
    }
}
