import AWSProtocol
import RampartCore
import Testing

@testable import SQS

@Suite struct MessageDigestTests {
    @Test func bodyDigestIsMD5OfUTF8() {
        #expect(MessageDigest.body("Information about current NY City weather") == "470d4054e27cdf3359cc405588251156")
    }

    /// The expected value comes from an independent implementation of AWS's documented
    /// algorithm (Python's hashlib and struct).
    @Test func attributeDigestFollowsAWSAlgorithm() {
        let attributes: [String: MessageAttribute] = [
            "City": MessageAttribute(dataType: "String", stringValue: "Any City"),
            "Population": MessageAttribute(dataType: "Number", stringValue: "1250800"),
            "Blob": MessageAttribute(dataType: "Binary", binaryValue: [0, 1, 2]),
        ]
        #expect(MessageDigest.attributes(attributes) == "69d43f899c5f825653b41c617787137a")
        #expect(MessageDigest.attributes([:]) == nil)
    }
}

@Suite struct MessageRulesTests {
    @Test(arguments: [
        ("hello\tworld\n", true), ("\u{0}", false), ("\u{1F}", false), ("ok \u{10FFFF}", true), ("\u{FFFE}", false),
    ])
    func validText(text: String, valid: Bool) {
        #expect(MessageRules.isValidText(text) == valid)
    }

    @Test func attributeSelection() {
        let attributes: [String: MessageAttribute] = [
            "a.b": MessageAttribute(dataType: "String", stringValue: "1"),
            "a.c": MessageAttribute(dataType: "String", stringValue: "2"),
            "d": MessageAttribute(dataType: "String", stringValue: "3"),
        ]
        #expect(MessageRules.selected(attributes, names: []).isEmpty)
        #expect(MessageRules.selected(attributes, names: ["All"]).count == 3)
        #expect(MessageRules.selected(attributes, names: [".*"]).count == 3)
        #expect(Set(MessageRules.selected(attributes, names: ["a.*"]).keys) == ["a.b", "a.c"])
        #expect(Set(MessageRules.selected(attributes, names: ["d", "x"]).keys) == ["d"])
    }

    @Test func attributeValidation() throws {
        try MessageRules.validate(["n": MessageAttribute(dataType: "Number.int", stringValue: "12")])
        #expect(throws: AWSError(code: "InvalidParameterValue", message: "")) {
            try MessageRules.validate(["n": MessageAttribute(dataType: "Number", stringValue: "twelve")])
        }
        #expect(throws: AWSError(code: "InvalidParameterValue", message: "")) {
            try MessageRules.validate(["AWS.x": MessageAttribute(dataType: "String", stringValue: "v")])
        }
        #expect(throws: AWSError(code: "InvalidParameterValue", message: "")) {
            try MessageRules.validate(["x": MessageAttribute(dataType: "Text", stringValue: "v")])
        }
        let eleven = Dictionary(
            uniqueKeysWithValues: (0..<11).map { ("k\($0)", MessageAttribute(dataType: "String", stringValue: "v")) })
        #expect(throws: AWSError(code: "InvalidParameterValue", message: "")) { try MessageRules.validate(eleven) }
    }
}

@Suite struct QueueSettingsTests {
    @Test func defaultsAreAWSs() {
        let a = QueueSettings().attributes
        #expect(a["VisibilityTimeout"] == "30")
        #expect(a["MessageRetentionPeriod"] == "345600")
        #expect(a["MaximumMessageSize"] == "262144")
        #expect(a["DelaySeconds"] == "0")
        #expect(a["ReceiveMessageWaitTimeSeconds"] == "0")
    }

    @Test(arguments: [
        ("VisibilityTimeout", "43201"), ("VisibilityTimeout", "-1"), ("DelaySeconds", "901"),
        ("MessageRetentionPeriod", "59"), ("MaximumMessageSize", "1023"), ("ReceiveMessageWaitTimeSeconds", "21"),
        ("VisibilityTimeout", "ten"),
    ])
    func outOfRangeIsInvalidAttributeValue(name: String, value: String) {
        #expect(throws: AWSError(code: "InvalidAttributeValue", message: "")) {
            try QueueSettings().applying([name: value])
        }
    }

    @Test func unknownNameIsInvalidAttributeName() {
        #expect(throws: AWSError(code: "InvalidAttributeName", message: "")) {
            try QueueSettings().applying(["ApproximateNumberOfMessages": "1"])
        }
    }

    @Test func appliesValues() throws {
        let s = try QueueSettings().applying(["VisibilityTimeout": "5", "DelaySeconds": "900"])
        #expect(s.visibilityTimeout == 5)
        #expect(s.delaySeconds == 900)
    }
}

@Suite struct RedrivePolicyTests {
    @Test func parsesNumbersAndStrings() throws {
        let arn = "arn:aws:sqs:us-east-1:111122223333:dlq"
        #expect(
            try RedrivePolicy.parse(#"{"deadLetterTargetArn":"\#(arn)","maxReceiveCount":3}"#)
                == RedrivePolicy(deadLetterTargetArn: arn, maxReceiveCount: 3))
        #expect(try RedrivePolicy.parse(#"{"deadLetterTargetArn":"\#(arn)","maxReceiveCount":"5"}"#).maxReceiveCount == 5)
    }

    @Test(arguments: [
        "not json", #"{"maxReceiveCount":3}"#, #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111122223333:dlq"}"#,
        #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111122223333:dlq","maxReceiveCount":0}"#,
        #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111122223333:dlq","maxReceiveCount":1001}"#,
        #"{"deadLetterTargetArn":"arn:aws:sns:us-east-1:111122223333:t","maxReceiveCount":1}"#,
    ])
    func refusesBadPolicies(text: String) {
        #expect(throws: AWSError(code: "InvalidParameterValue", message: "")) { try RedrivePolicy.parse(text) }
    }
}

@Suite struct QueueAddressTests {
    @Test(arguments: [
        ("http://127.0.0.1:4566/000000000000/q1", "000000000000", "q1"),
        ("https://sqs.us-east-1.amazonaws.com/111122223333/my-queue_2", "111122223333", "my-queue_2"),
        ("/111122223333/q", "111122223333", "q"),
    ])
    func parses(url: String, account: String, name: String) {
        #expect(QueueAddress(url: url) == QueueAddress(accountId: account, name: name))
    }

    @Test(arguments: [
        "http://host/q", "http://host/12345/q", "http://host/000000000000/bad name", "http://host/000000000000/q/extra", "",
    ])
    func refuses(url: String) {
        #expect(QueueAddress(url: url) == nil)
    }

    @Test func receiptHandlesRoundTripAndRefuseGarbage() throws {
        let handle = ReceiptHandle(
            queueId: "6f1d3b9e-0c49-4b5e-9a53-0d1f9a3c2b11", messageId: "0b8f7a9c-1d2e-4f3a-8b5c-6d7e8f9a0b1c",
            token: "00112233445566778899aabbccddeeff")
        #expect(try ReceiptHandle(handle.text) == handle)
        #expect(throws: AWSError(code: "ReceiptHandleIsInvalid", message: "")) { try ReceiptHandle("garbage") }
        #expect(throws: AWSError(code: "ReceiptHandleIsInvalid", message: "")) {
            try ReceiptHandle(Base64.encode(Array("a b c".utf8)))
        }
    }
}

@Suite("Long-poll signals")
struct SignalsTests {
    @Test("A deleted queue's long polls wake at once and its count is dropped")
    func forgetWakesAndDrops() async {
        let signals = Signals()
        signals.signal("q1")
        signals.signal("q2")
        #expect(signals.tracked == 2)
        let generation = signals.generation("q1")
        let waiter = Task { await signals.wait("q1", after: generation, timeout: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(50))
        let started = ContinuousClock.now
        signals.forget("q1")
        await waiter.value
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(signals.tracked == 1)
    }
}
