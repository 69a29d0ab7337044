import AWSProtocol
import EventPatterns
import Testing

/// Malformed patterns and AWS's InvalidEventPatternException messages. The reasons are
/// aws/event-ruler's (the engine EventBridge runs); the full messages with locations are real
/// AWS responses quoted in public issues, or event-ruler's own tests.
@Suite struct PatternErrorTests {
    static let prefix = "Event pattern is not valid. Reason: "

    /// Real responses, verbatim (message text and location).
    static let awsResponses: [ErrorCase] = [
        // lalcebo/json-schema#171 (a CloudFormation deployment's error).
        .init(
            #"{"detail-type":["Object Created"],"source":"aws.s3","detail":{"bucket":"sabi-test-bucket","object":{"key":[{"prefix":"reach-query"},{"suffix":".json"}]}}}"#,
            #"Event pattern is not valid. Reason: "source" must be an object or an array"#
                + "\n at [Source: (String)\""
                + #"{"detail-type":["Object Created"],"source":"aws.s3","detail":{"bucket":"sabi-test-bucket","object":{"key":[{"prefix":"reach-query"},{"suffix":".json"}]}}}"#
                + "\"; line: 1, column: 45]"),
        // awslabs/aws-ddk#149.
        .init(
            #"{"detail-type":["Object Created"],"source":["aws.s3"],"detail":{"bucket":{"name":"sampleappstack-bucket43879c71-1wm0hdcs3ct4o"}}}"#,
            #"Event pattern is not valid. Reason: "name" must be an object or an array"#
                + "\n at [Source: (String)\""
                + #"{"detail-type":["Object Created"],"source":["aws.s3"],"detail":{"bucket":{"name":"sampleappstack-bucket43879c71-1wm0hdcs3ct4o"}}}"#
                + "\"; line: 1, column: 83]"),
        // aws/aws-cdk#36904.
        .init(
            #"{"detail-type":[],"source":["example.source"],"account":["123456789012"]}"#,
            "Event pattern is not valid. Reason: Empty arrays are not allowed\n at [Source: (String)\""
                + #"{"detail-type":[],"source":["example.source"],"account":["123456789012"]}"#
                + "\"; line: 1, column: 18]"),
        // event-ruler's JsonRuleCompilerTest.testWildcardConsecutiveWildcards.
        .init(
            #"{"key": [{"wildcard": "abc**def"}]}"#,
            "Event pattern is not valid. Reason: Consecutive wildcard characters at pos 4\n at [Source: (String)\""
                + #"{"key": [{"wildcard": "abc**def"}]}"# + "\"; line: 1, column: 33]"),
    ]

    @Test(arguments: awsResponses) func matchesAWSVerbatim(_ row: ErrorCase) {
        #expect(refusal { () throws(PatternError) in _ = try EventPattern(json: row.document) } == row.message)
    }

    /// Reasons only (the location is checked below for a few).
    static let reasons: [ErrorCase] = [
        .init(#"["aws.kms"]"#, "Filter is not an object"),
        .init(#""aws.kms""#, "Filter is not an object"),
        .init(#"{}"#, "Empty objects are not allowed"),
        .init(#"{"detail": {}}"#, "Empty objects are not allowed"),
        .init(#"{"source": "aws.kms"}"#, #""source" must be an object or an array"#),
        .init(#"{"source": 5}"#, #""source" must be an object or an array"#),
        .init(#"{"source": null}"#, #""source" must be an object or an array"#),
        .init(#"{"source": []}"#, "Empty arrays are not allowed"),
        .init(#"{"source": [["a"]]}"#, "Match value must be String, number, true, false, or null"),
        .init(#"{"source": [{}]}"#, "Match expression name not found"),
        .init(#"{"source": [{"regex": "a.*"}]}"#, "Unrecognized match type regex"),
        .init(#"{"source": [{"prefix": 1}]}"#, "prefix match pattern must be a string"),
        .init(#"{"source": [{"prefix": "a", "suffix": "b"}]}"#, "Only one key allowed in match expression"),
        .init(#"{"source": [{"suffix": ["a"]}]}"#, "suffix match pattern must be a string"),
        .init(#"{"source": [{"prefix": {"anything-but": "a"}}]}"#, "Unsupported anything-but pattern: anything-but"),
        .init(#"{"source": [{"prefix": {"equals-ignore-case": 1}}]}"#, "equals-ignore-case match pattern must be a string"),
        .init(#"{"source": [{"equals-ignore-case": null}]}"#, "equals-ignore-case match pattern must be a string"),
        .init(#"{"source": [{"wildcard": 5}]}"#, "wildcard match pattern must be a string"),
        .init(#"{"source": [{"wildcard": "a**"}]}"#, "Consecutive wildcard characters at pos 2"),
        .init(#"{"source": [{"wildcard": "a\\b"}]}"#, "Invalid escape character at pos 2"),
        .init(#"{"source": [{"exists": "yes"}]}"#, "exists match pattern must be either true or false."),
        .init(#"{"source": [{"exists": true, "prefix": "a"}]}"#, "Only one key allowed in match expression"),
        .init(#"{"n": [{"numeric": 5}]}"#, "Value of numeric must be an array."),
        .init(#"{"n": [{"numeric": []}]}"#, "Invalid member in numeric match: ]"),
        .init(#"{"n": [{"numeric": [5]}]}"#, "Invalid member in numeric match: 5"),
        .init(#"{"n": [{"numeric": ["!=", 5]}]}"#, "Unrecognized numeric range operator: !="),
        .init(#"{"n": [{"numeric": ["=", "5"]}]}"#, "Value of equals must be numeric"),
        .init(#"{"n": [{"numeric": ["<"]}]}"#, "Value of < must be numeric"),
        .init(#"{"n": [{"numeric": ["=", 5, "<", 6]}]}"#, "Too many elements in numeric expression"),
        .init(#"{"n": [{"numeric": ["<", 5, ">", 1]}]}"#, "Too many elements in numeric expression"),
        .init(#"{"n": [{"numeric": [">", 5, 6]}]}"#, "Bad value in numeric range: 6"),
        .init(#"{"n": [{"numeric": [">", 5, ">", 6]}]}"#, "Bad numeric range operator: >"),
        .init(#"{"n": [{"numeric": [">", 5, "<", "6"]}]}"#, "Value of < must be numeric"),
        .init(#"{"n": [{"numeric": [">", 5, "<", 9, "<", 10]}]}"#, "Too many terms in numeric range expression"),
        .init(#"{"n": [{"numeric": [">", 5, "<=", 5]}]}"#, "Bottom must be less than top"),
        .init(#"{"n": [{"numeric": [">", 6e9]}]}"#, "Value must be between -5.0E9 and 5.0E9, inclusive"),
        .init(#"{"n": [{"numeric": ["=", -5000000001]}]}"#, "Value must be between -5.0E9 and 5.0E9, inclusive"),
        .init(#"{"n": [{"numeric": [">", 0], "x": 1}]}"#, "Too many elements in numeric expression"),
        .init(#"{"a": [{"anything-but": true}]}"#, "Value of anything-but must be an array or single string/number value."),
        .init(
            #"{"a": [{"anything-but": ["a", 1]}]}"#,
            "Inside anything but list, either all values are number or string, mixed type is not supported"),
        .init(
            #"{"a": [{"anything-but": []}]}"#,
            "Inside anything but list, either all values are number or string, mixed type is not supported"),
        .init(#"{"a": [{"anything-but": ["a", null]}]}"#, "Inside anything but list, start|null|boolean is not supported."),
        .init(#"{"a": [{"anything-but": {}}]}"#, "Anything-But expression name not found"),
        .init(#"{"a": [{"anything-but": {"numeric": [">", 1]}}]}"#, "Unsupported anything-but pattern: numeric"),
        .init(#"{"a": [{"anything-but": {"prefix": 1}}]}"#, "prefix/suffix match pattern must be a string"),
        .init(#"{"a": [{"anything-but": {"prefix": ""}}]}"#, "Null prefix/suffix not allowed"),
        .init(#"{"a": [{"anything-but": {"wildcard": "x**"}}]}"#, "Consecutive wildcard characters at pos 2"),
        .init(
            #"{"a": [{"anything-but": {"equals-ignore-case": 5}}]}"#,
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."),
        .init(
            #"{"a": [{"anything-but": {"equals-ignore-case": ["a", 5]}}]}"#,
            "Inside anything-but/equals-ignore-case list, numberic|start|null|boolean is not supported."),
        .init(#"{"a": [{"anything-but": "x", "prefix": "y"}]}"#, "Too many elements in numeric expression"),
        .init(#"{"a": [{"cidr": 10}]}"#, "prefix match pattern must be a string"),
        .init(#"{"a": [{"cidr": "10.0.0.0"}]}"#, "Malformed CIDR, one '/' required"),
        .init(#"{"a": [{"cidr": "10.0.0.0/"}]}"#, "Malformed CIDR, one '/' required"),
        .init(#"{"a": [{"cidr": "10.0.0.0/x"}]}"#, "Malformed CIDR, mask bits must be an integer"),
        .init(#"{"a": [{"cidr": "10.0.0.0/-1"}]}"#, "Malformed CIDR, mask bits must not be negative"),
        .init(#"{"a": [{"cidr": "10.0.0.300/8"}]}"#, "Nonstandard IP address: 10.0.0.300"),
        .init(#"{"a": [{"cidr": "10.0.0.0/32"}]}"#, "IPv4 mask bits must be < 32"),
        .init(#"{"a": [{"cidr": "::/128"}]}"#, "IPv6 mask bits must be < 128"),
        .init(#"{"$or": {"a": ["x"]}}"#, "It must be an Array followed with $or."),
        .init(#"{"$or": []}"#, "There must have at least 2 Objects in $or relationship."),
        .init(#"{"$or": [{"a": ["x"]}]}"#, "There must have at least 2 Objects in $or relationship."),
        .init(#"{"$or": [{"a": ["x"]}, "b"]}"#, "Only JSON object is allowed in array of $or relationship."),
        .init(#"{"$or": [{"a": ["x"]}, {}]}"#, "Empty objects are not allowed"),
        .init(
            #"{"$or": [{"a": ["x"]}, {"prefix": ["b"]}]}"#, "prefix is Ruler reserved fieldName which cannot be used inside $or."),
    ]

    @Test(arguments: reasons) func refusesWithAWSReason(_ row: ErrorCase) throws {
        let message = try #require(refusal { () throws(PatternError) in _ = try EventPattern(json: row.document) })
        let reason = message.split(separator: "\n", maxSplits: 1).first.map(String.init)
        #expect(reason == Self.prefix + row.message)
        let error = try #require(throws: PatternError.self) { try EventPattern(json: row.document) }
        #expect(error.reason.hasPrefix(row.message))
        // A parsed document is refused for the same reason, without a location.
        #expect(refusal { () throws(PatternError) in _ = try EventPattern(json(row.document)) } == Self.prefix + row.message)
    }

    /// Locations as Jackson reports them: past a string's opening quote until its text is read,
    /// past its closing quote once read; past `]` or `}`; past a whole number or literal.
    static let locations: [(String, Int, Int)] = [
        (#"{"a": [{"prefix": 12345}]}"#, 1, 24),
        (#"{"a": [{"prefix": "x", "suffix": "y"}]}"#, 1, 35),
        (#"{"a": [{"bogus": "x"}]}"#, 1, 19),
        (#"{"a": [{"anything-but": {"prefix": ""}}]}"#, 1, 38),
        (#"{"a": [{"numeric": [">", 5, ">=", 6]}]}"#, 1, 33),
        (#"{"a": [{"numeric": [">", 5, "<", 5]}]}"#, 1, 36),
        (#"{"$or": [{"a": ["x"]}]}"#, 1, 23),
        ("{\n  \"a\": [\n    \"x\",\n    [1]\n  ]\n}", 4, 6),
        ("{\r\n\"a\": 1}", 2, 7),
    ]

    @Test func jacksonLocations() throws {
        for (document, line, column) in Self.locations {
            let message = try #require(refusal { () throws(PatternError) in _ = try EventPattern(json: document) })
            #expect(message.hasSuffix("\"; line: \(line), column: \(column)]"), "\(document): \(message)")
        }
    }

    @Test func longDocumentsAreTruncatedAsJacksonDoes() throws {
        let document = #"{"a": ["# + String(repeating: #""xxxxxxxxx","#, count: 60) + #""y"], "b": "z"}"#
        let message = try #require(refusal { () throws(PatternError) in _ = try EventPattern(json: document) })
        let units = Array(document.utf16)
        #expect(
            message.contains(
                "(String)\"" + String(decoding: units[..<500], as: UTF16.self)
                    + "\"[truncated \(units.count - 500) chars]; line: 1"))
    }

    @Test func malformedJSONIsRefused() {
        for document in [#"{"a": ["x"]"#, #"{"a": ["x"],}"#, #"{"a": [x]}"#, #"{"a": ["x"]} trailing"#, ""] {
            let message = refusal { () throws(PatternError) in _ = try EventPattern(json: document) }
            #expect(message?.hasPrefix(Self.prefix) == true, "\(document)")
        }
    }
}
