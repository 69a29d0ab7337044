import AWSProtocol
import EventPatterns
import Testing

@Suite struct EventPatternTests {
    static let event = try! JSONParser.parse(
        Array(
            #"{"source": "aws.kms", "detail-type": "AWS API Call via CloudTrail", "detail": {"eventName": "DisableKey", "resources": [{"ARN": "a"}, {"ARN": "b"}]}}"#
                .utf8))

    @Test func exactValuesAndNestedObjects() throws {
        let pattern = try EventPattern(json: #"{"source": ["aws.kms"], "detail": {"eventName": ["EnableKey", "DisableKey"]}}"#)
        #expect(pattern.matches(Self.event))
        let other = try EventPattern(json: #"{"source": ["aws.iam"]}"#)
        #expect(!other.matches(Self.event))
        #expect(pattern.fieldPaths.sorted { $0.joined() < $1.joined() } == [["detail", "eventName"], ["source"]])
    }

    @Test func anElementOfAnArrayMatches() throws {
        #expect(try EventPattern(json: #"{"detail": {"resources": {"ARN": ["b"]}}}"#).matches(Self.event))
    }

    @Test func aPatternThatIsNotAnObjectIsRefused() {
        #expect(throws: PatternError.self) { try EventPattern(json: #"["aws.kms"]"#) }
        #expect(throws: PatternError.self) { try EventPattern(json: #"{"source": "aws.kms"}"#) }
    }

    @Test func theIndexFindsTheMatchingRules() throws {
        var index = RuleIndex<String>()
        index.insert(try EventPattern(json: #"{"source": ["aws.kms"]}"#), for: "kms")
        index.insert(try EventPattern(json: #"{"source": ["aws.iam"]}"#), for: "iam")
        #expect(index.matching(Self.event) == ["kms"])
    }
}
