import AWSProtocol
import EventPatterns
import Testing

/// SNS filter policies: both scopes, the attribute types, and where SNS differs from
/// EventBridge (no nesting in attribute scope, fewer operators, its limits and wording).
@Suite struct FilterPolicyTests {
    typealias Attribute = FilterPolicy.Attribute

    static let attributes: [String: Attribute] = [
        "store": Attribute(dataType: "String", value: "example_corp"),
        "event": Attribute(dataType: "String", value: "order_placed"),
        "customer_interests": Attribute(dataType: "String.Array", value: #"["soccer", "rugby", 7]"#),
        "price_usd": Attribute(dataType: "Number", value: "210.75"),
        "quantity": Attribute(dataType: "Number.int", value: "3e2"),
        "payload": Attribute(dataType: "Binary", value: "AAEC"),
        "ip": Attribute(dataType: "String", value: "10.0.0.7"),
    ]

    static let attributeCases: [(String, Bool)] = [
        (#"{"store": ["example_corp"]}"#, true),
        (#"{"store": ["other"]}"#, false),
        (#"{"store": [{"prefix": "example"}], "event": [{"suffix": "_placed"}]}"#, true),
        (#"{"store": [{"equals-ignore-case": "EXAMPLE_CORP"}]}"#, true),
        // String.Array: matched as an array, any element.
        (#"{"customer_interests": ["rugby"]}"#, true),
        (#"{"customer_interests": ["golf"]}"#, false),
        (#"{"customer_interests": [7]}"#, true),
        // Number: numeric matching, and numeric equality across spellings.
        (#"{"price_usd": [{"numeric": [">=", 100, "<", 300]}]}"#, true),
        (#"{"price_usd": [{"numeric": ["<", 100]}]}"#, false),
        (#"{"quantity": [300]}"#, true),
        (#"{"quantity": ["300"]}"#, false),
        // A String attribute is not a number.
        (#"{"store": [{"numeric": [">", 0]}]}"#, false),
        // Binary attributes are ignored: as if absent.
        (#"{"payload": ["AAEC"]}"#, false),
        (#"{"payload": [{"exists": false}]}"#, true),
        (#"{"missing": [{"exists": false}]}"#, true),
        (#"{"store": [{"exists": true}]}"#, true),
        (#"{"store": [{"anything-but": ["other"]}]}"#, true),
        (#"{"store": [{"anything-but": {"prefix": "example"}}]}"#, false),
        (#"{"ip": [{"cidr": "10.0.0.0/24"}]}"#, true),
        (#"{"ip": [{"cidr": "10.0.1.0/24"}]}"#, false),
        (#"{"$or": [{"store": ["nope"]}, {"event": ["order_placed"]}]}"#, true),
        (#"{"$or": [{"store": ["nope"]}, {"event": ["nope"]}]}"#, false),
    ]

    @Test func attributeScope() throws {
        for (policy, expected) in Self.attributeCases {
            let compiled = try FilterPolicy(json: policy, scope: .messageAttributes)
            #expect(compiled.matches(attributes: Self.attributes, body: "ignored") == expected, "\(policy)")
        }
    }

    @Test func bodyScopeMatchesNestedObjects() throws {
        let policy = try FilterPolicy(
            json: #"{"order": {"total": [{"numeric": [">", 100]}], "lines": {"sku": [{"prefix": "BK-"}]}}}"#,
            scope: .messageBody)
        #expect(policy.matches(attributes: [:], body: #"{"order": {"total": 150, "lines": [{"sku": "TV-1"}, {"sku": "BK-9"}]}}"#))
        #expect(!policy.matches(attributes: [:], body: #"{"order": {"total": 50, "lines": [{"sku": "BK-9"}]}}"#))
        #expect(!policy.matches(attributes: [:], body: "not json"))
        #expect(!policy.matches(attributes: [:], body: #"["order"]"#))
        // Attributes do not count in body scope.
        #expect(!policy.matches(attributes: ["order": Attribute(dataType: "String", value: "x")], body: "{}"))
        #expect(policy.matches(body: json(#"{"order": {"total": 101, "lines": {"sku": "BK-1"}}}"#)))
    }

    static let snsPrefix = "Invalid parameter: FilterPolicy: "

    static let refusals: [(String, FilterPolicy.Scope, String)] = [
        (
            #"{"a": {"b": ["x"]}}"#, .messageAttributes,
            "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"
        ),
        (
            #"{"a": ["1"], "b": ["2"], "c": ["3"], "d": ["4"], "e": ["5"], "f": ["6"]}"#, .messageAttributes,
            snsPrefix + "Filter policy can not have more than 5 keys"
        ),
        (#"{"a": [{"wildcard": "x*"}]}"#, .messageBody, snsPrefix + "Unrecognized match type wildcard"),
        (
            #"{"a": [{"anything-but": {"suffix": "x"}}]}"#, .messageAttributes,
            snsPrefix + "Unsupported anything-but pattern: suffix"
        ),
        (
            #"{"a": [{"prefix": {"equals-ignore-case": "x"}}]}"#, .messageAttributes,
            snsPrefix + "prefix match pattern must be a string"
        ),
        (#"{"a": "x"}"#, .messageBody, snsPrefix + #""a" must be an object or an array"#),
        (#"{"a": [{"numeric": ["<"]}]}"#, .messageAttributes, snsPrefix + "Value of < must be numeric"),
        (#"{"a": [{"exists": 1}]}"#, .messageAttributes, snsPrefix + "exists match pattern must be either true or false."),
        (#"{"a": [{"cidr": "1.2.3.4"}]}"#, .messageAttributes, snsPrefix + "Malformed CIDR, one '/' required"),
    ]

    @Test func refusesWithSNSWording() throws {
        for (policy, scope, expected) in Self.refusals {
            let message = try #require(
                refusal { () throws(PatternError) in _ = try FilterPolicy(json: policy, scope: scope) }, "\(policy)")
            #expect(message.split(separator: "\n").first.map(String.init) == expected, "\(policy)")
        }
    }

    @Test func snsMessagesCarryJacksonsLocation() throws {
        // aws/aws-cdk#16549 quotes SNS answering `Invalid parameter: FilterPolicy: Empty arrays are not allowed` with a location.
        let error = try #require(throws: PatternError.self) {
            try FilterPolicy(json: #"{"Amount":[]}"#, scope: .messageAttributes)
        }
        #expect(
            error.message == snsPrefix()
                + "Empty arrays are not allowed\n at [Source: (String)\"{\"Amount\":[]}\"; line: 1, column: 13]")
        // Subscribe frames the reason differently; the reason lets the caller do so.
        #expect(error.reason.hasPrefix("FilterPolicy: Empty arrays are not allowed"))
    }

    private func snsPrefix() -> String { Self.snsPrefix }

    @Test func combinationsAreLimitedTo150() throws {
        // 5 x 5 x 6 = 150 is allowed; 5 x 5 x 7 = 175 is not.
        func values(_ n: Int) -> String { "[" + (0..<n).map { "\"v\($0)\"" }.joined(separator: ",") + "]" }
        let allowed = #"{"a": \#(values(5)), "b": \#(values(5)), "c": \#(values(6))}"#
        let tooMany = #"{"a": \#(values(5)), "b": \#(values(5)), "c": \#(values(7))}"#
        _ = try FilterPolicy(json: allowed, scope: .messageAttributes)
        #expect(
            refusal { () throws(PatternError) in _ = try FilterPolicy(json: tooMany, scope: .messageAttributes) } == Self
                .snsPrefix + "Filter policy is too complex")
        // Body scope counts a key's depth: 3 values at depth 2 count 6.
        let nested = #"{"a": {"b": \#(values(5))}, "c": {"d": \#(values(4))}}"#
        #expect(refusal { () throws(PatternError) in _ = try FilterPolicy(json: nested, scope: .messageBody) } == nil)
        let nestedTooMany = #"{"a": {"b": \#(values(5))}, "c": {"d": \#(values(4))}, "e": \#(values(2))}"#
        #expect(
            refusal { () throws(PatternError) in _ = try FilterPolicy(json: nestedTooMany, scope: .messageBody) } == Self
                .snsPrefix + "Filter policy is too complex")
    }

    @Test func nestingIsAllowedInBodyScopeOnly() throws {
        _ = try FilterPolicy(json: #"{"a": {"b": ["x"]}}"#, scope: .messageBody)
        #expect(throws: PatternError.self) { try FilterPolicy(json: #"{"a": {"b": ["x"]}}"#, scope: .messageAttributes) }
    }

    @Test func oversizedPoliciesAreRefused() {
        let big = #"{"a": ["# + String(repeating: "x", count: FilterPolicy.maximumSize) + #""]}"#
        #expect(throws: PatternError.self) { try FilterPolicy(json: big, scope: .messageBody) }
    }
}
