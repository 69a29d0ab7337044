import AWSProtocol
import Crypto
import Foundation
import Identity
import SwiftASN1
import Testing
import X509
import _CryptoExtras

@testable import SNS

@Suite struct StringToSignTests {
    let base = Envelope(
        type: .notification, messageId: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        topicArn: "arn:aws:sns:us-west-2:123456789012:MyTopic", subject: "My First Message", message: "Hello world!",
        timestamp: "2012-05-02T00:54:06.655Z", signatureVersion: "1", signingCertURL: "http://127.0.0.1:4566/x.pem")

    @Test func notificationWithSubject() {
        #expect(
            base.stringToSign
                == "Message\nHello world!\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\nSubject\nMy First Message\nTimestamp\n2012-05-02T00:54:06.655Z\nTopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nNotification\n"
        )
    }

    @Test func notificationWithoutSubjectLeavesItOut() {
        var e = base
        e.subject = nil
        #expect(!e.stringToSign.contains("Subject"))
        #expect(e.stringToSign.hasPrefix("Message\nHello world!\nMessageId\n"))
    }

    @Test func confirmation() {
        var e = base
        e.type = .subscriptionConfirmation
        e.subject = nil
        e.token = "abc"
        e.subscribeURL = "http://127.0.0.1:4566/?Action=ConfirmSubscription&TopicArn=t&Token=abc"
        #expect(
            e.stringToSign
                == "Message\nHello world!\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\nSubscribeURL\nhttp://127.0.0.1:4566/?Action=ConfirmSubscription&TopicArn=t&Token=abc\nTimestamp\n2012-05-02T00:54:06.655Z\nToken\nabc\nTopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nSubscriptionConfirmation\n"
        )
    }
}

@Suite struct SignatureTests {
    static let signer = try! MessageSigner.make(now: Date())

    func publicKey() throws -> _RSA.Signing.PublicKey {
        let certificate = try Certificate(pemEncoded: Self.signer.certificatePEM)
        return try #require(_RSA.Signing.PublicKey(certificate.publicKey))
    }

    @Test(arguments: ["1", "2"]) func signatureVerifiesWithTheCertificatesKey(version: String) throws {
        var e = Envelope(
            type: .notification, messageId: "m", topicArn: "arn:aws:sns:us-east-1:111111111111:t", message: "hi",
            timestamp: "2024-01-01T00:00:00.000Z", signatureVersion: version, signingCertURL: "u")
        try Self.signer.sign(&e)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(Base64.decode(e.signature)))
        let data = Array(e.stringToSign.utf8)
        let key = try publicKey()
        if version == "2" {
            #expect(key.isValidSignature(signature, for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5))
            #expect(!key.isValidSignature(signature, for: Insecure.SHA1.hash(data: data), padding: .insecurePKCS1v1_5))
        } else {
            #expect(key.isValidSignature(signature, for: Insecure.SHA1.hash(data: data), padding: .insecurePKCS1v1_5))
        }
        var tampered = e
        tampered.message = "ho"
        #expect(
            !key.isValidSignature(
                signature, for: SHA256.hash(data: Array(tampered.stringToSign.utf8)), padding: .insecurePKCS1v1_5))
    }

    @Test func certificateIsSelfSignedAndRoundTripsTheKey() throws {
        let der = Array(Self.signer.privateKey.derRepresentation)
        let again = try MessageSigner(privateKeyDER: der, certificatePEM: Self.signer.certificatePEM)
        #expect(again.certificatePath == Self.signer.certificatePath)
        #expect(again.certificatePath.hasPrefix("/SimpleNotificationService-"))
        let certificate = try Certificate(pemEncoded: Self.signer.certificatePEM)
        #expect(certificate.issuer == certificate.subject)
    }
}

@Suite struct EnvelopeTests {
    @Test func notificationJSONHasAWSMembers() throws {
        let e = Envelope(
            type: .notification, messageId: "m", topicArn: "arn:aws:sns:us-east-1:111111111111:t", subject: "s",
            message: "line\n\"quoted\"", timestamp: "2024-01-01T00:00:00.000Z", signatureVersion: "1", signature: "c2ln",
            signingCertURL: "http://h/c.pem", unsubscribeURL: "http://h/?Action=Unsubscribe",
            messageAttributes: [
                "severity": MessageAttribute(dataType: "String", stringValue: "high"),
                "blob": MessageAttribute(dataType: "Binary", binaryValue: [1, 2, 3]),
            ])
        let json = try JSONParser.parse(Array(e.json.utf8))
        #expect(json["Type"]?.stringValue == "Notification")
        #expect(json["Message"]?.stringValue == "line\n\"quoted\"")
        #expect(json["Subject"]?.stringValue == "s")
        #expect(json["SignatureVersion"]?.stringValue == "1")
        #expect(json["Signature"]?.stringValue == "c2ln")
        #expect(json["SigningCertURL"]?.stringValue == "http://h/c.pem")
        #expect(json["UnsubscribeURL"]?.stringValue == "http://h/?Action=Unsubscribe")
        #expect(json["MessageAttributes"]?["severity"]?["Type"]?.stringValue == "String")
        #expect(json["MessageAttributes"]?["severity"]?["Value"]?.stringValue == "high")
        #expect(json["MessageAttributes"]?["blob"]?["Value"]?.stringValue == "AQID")
        #expect(json["Token"] == nil)
        #expect(e.json.hasPrefix(#"{"Type":"Notification","MessageId":"m","TopicArn""#))
    }

    @Test func confirmationJSONCarriesTokenAndSubscribeURL() throws {
        let e = Envelope(
            type: .subscriptionConfirmation, messageId: "m", topicArn: "arn:aws:sns:us-east-1:111111111111:t",
            message: "confirm", timestamp: "t", signatureVersion: "2", signingCertURL: "c", token: "tok",
            subscribeURL: "http://h/?Action=ConfirmSubscription")
        let json = try JSONParser.parse(Array(e.json.utf8))
        #expect(json["Token"]?.stringValue == "tok")
        #expect(json["SubscribeURL"]?.stringValue == "http://h/?Action=ConfirmSubscription")
        #expect(json["UnsubscribeURL"] == nil)
        #expect(json["MessageAttributes"] == nil)
    }
}

@Suite struct FilterPolicyApplicationTests {
    func subscription(_ policy: String?, scope: String? = nil) -> Subscription {
        var attributes: [String: String] = [:]
        if let policy { attributes["FilterPolicy"] = policy }
        if let scope { attributes["FilterPolicyScope"] = scope }
        return Subscription(
            id: "00000000-0000-0000-0000-000000000000", topicArn: "arn:aws:sns:us-east-1:111111111111:t",
            owner: "111111111111", protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:111111111111:q",
            attributes: attributes, confirmed: true)
    }

    func message(body: String, severity: String?) -> SNSService.Outgoing {
        SNSService.Outgoing(
            message: body, subject: nil, perProtocol: nil,
            attributes: severity.map { ["severity": MessageAttribute(dataType: "String", stringValue: $0)] } ?? [:])
    }

    @Test func noPolicyPassesEverything() {
        #expect(SNSService.passes(message(body: "x", severity: nil), subscription(nil)))
    }

    @Test func attributeScope() {
        let s = subscription(#"{"severity": ["high"]}"#)
        #expect(SNSService.passes(message(body: #"{"severity":"low"}"#, severity: "high"), s))
        #expect(!SNSService.passes(message(body: #"{"severity":"high"}"#, severity: "low"), s))
        #expect(!SNSService.passes(message(body: "x", severity: nil), s))
    }

    @Test func bodyScope() {
        let s = subscription(#"{"severity": ["high"]}"#, scope: "MessageBody")
        #expect(SNSService.passes(message(body: #"{"severity":"high"}"#, severity: "low"), s))
        #expect(!SNSService.passes(message(body: #"{"severity":"low"}"#, severity: "high"), s))
        #expect(!SNSService.passes(message(body: "not json", severity: "high"), s))
    }

    @Test func perProtocolBodyIsFiltered() {
        let s = subscription(#"{"k": ["v"]}"#, scope: "MessageBody")
        let m = SNSService.Outgoing(
            message: "", subject: nil, perProtocol: ["default": "{}", "sqs": #"{"k":"v"}"#], attributes: [:])
        #expect(SNSService.passes(m, s))
    }

    @Test func invalidPolicyIsRefusedWithInvalidParameter() {
        #expect(throws: AWSError.self) { try SNSService.checkFilterPolicy(["FilterPolicy": "not json"]) }
        #expect(throws: Never.self) { try SNSService.checkFilterPolicy(["FilterPolicy": #"{"a":["b"]}"#]) }
    }
}

@Suite struct TopicRuleTests {
    @Test(arguments: [
        ("a", true), ("My_Topic-1", true), (String(repeating: "x", count: 256), true),
        (String(repeating: "x", count: 257), false), ("", false), ("has space", false), ("dot.fifo", false),
        ("ünicode", false), ("a/b", false),
    ])
    func names(name: String, valid: Bool) {
        #expect(TopicRules.isValidName(name) == valid)
    }

    @Test func arns() {
        #expect(TopicRules.parseTopicArn("arn:aws:sns:us-east-1:111111111111:t")?.name == "t")
        #expect(TopicRules.parseTopicArn("arn:aws:sqs:us-east-1:111111111111:t") == nil)
        #expect(TopicRules.parseTopicArn("arn:aws:sns:us-east-1:1111:t") == nil)
        let sub = "arn:aws:sns:us-east-1:111111111111:t:0f8fad5b-d9cb-469f-a165-70867728950e"
        #expect(TopicRules.parseSubscriptionArn(sub)?.topicArn == "arn:aws:sns:us-east-1:111111111111:t")
        #expect(TopicRules.parseSubscriptionArn("arn:aws:sns:us-east-1:111111111111:t") == nil)
    }

    @Test func defaultPolicyLetsTheOwnerAccountDoTopicActions() throws {
        let text = TopicRules.defaultPolicy(topicArn: "arn:aws:sns:us-east-1:111111111111:t", accountId: "111111111111")
        let json = try JSONParser.parse(Array(text.utf8))
        #expect(json["Version"]?.stringValue == "2008-10-17")
        #expect(json["Id"]?.stringValue == "__default_policy_ID")
        let statement = try #require(json["Statement"]?.arrayValue?.first)
        #expect(statement["Sid"]?.stringValue == "__default_statement_ID")
        #expect(statement["Effect"]?.stringValue == "Allow")
        #expect(statement["Principal"]?["AWS"]?.stringValue == "*")
        #expect(statement["Resource"]?.stringValue == "arn:aws:sns:us-east-1:111111111111:t")
        #expect(statement["Condition"]?["StringEquals"]?["AWS:SourceOwner"]?.stringValue == "111111111111")
        let actions = statement["Action"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(actions.contains("SNS:Publish") && actions.contains("SNS:Subscribe") && actions.count == 8)
    }

    @Test func deliveryPolicyDefaultsAreAWSs() {
        let p = DeliveryPolicy(topicPolicy: nil)
        #expect((1...4).map { p.delay(beforeRetry: $0) } == [20, 20, 20, nil])
        #expect(DeliveryPolicy.problem(#"{"http":{"defaultHealthyRetryPolicy":{"numRetries":-1}}}"#) != nil)
        #expect(DeliveryPolicy.problem("nope") != nil)
        let custom = DeliveryPolicy(
            topicPolicy:
                #"{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":10,"numRetries":4,"numNoDelayRetries":1,"backoffFunction":"linear"}}}"#
        )
        #expect((1...5).map { custom.delay(beforeRetry: $0) } == [0, 1, 6, 10, nil])
        #expect(DeliveryPolicy.contentType(topicPolicy: nil, subscriptionPolicy: nil) == "text/plain; charset=UTF-8")
        let json = #"{"http":{"defaultRequestPolicy":{"headerContentType":"application/json"}}}"#
        #expect(DeliveryPolicy.contentType(topicPolicy: json, subscriptionPolicy: nil) == "application/json")
        let sub = #"{"requestPolicy":{"headerContentType":"text/xml"}}"#
        #expect(DeliveryPolicy.contentType(topicPolicy: json, subscriptionPolicy: sub) == "text/xml")
    }
}

@Suite struct PublishCheckTests {
    @Test func emptyMessageAndBadSubject() {
        #expect(throws: AWSError.invalidParameter("Empty message")) {
            try SNSAPI.outgoing(message: "", subject: nil, structure: nil, attributes: [:])
        }
        #expect(throws: AWSError.self) { try SNSAPI.outgoing(message: "m", subject: "a\nb", structure: nil, attributes: [:]) }
    }

    @Test func messageStructureNeedsDefault() throws {
        #expect(throws: AWSError.self) {
            try SNSAPI.outgoing(message: #"{"sqs":"x"}"#, subject: nil, structure: "json", attributes: [:])
        }
        let m = try SNSAPI.outgoing(message: #"{"default":"d","http":"h"}"#, subject: nil, structure: "json", attributes: [:])
        #expect(m.body(for: "http") == "h")
        #expect(m.body(for: "sqs") == "d")
    }

    @Test func attributes() {
        #expect(throws: AWSError.self) {
            try SNSAPI.checkAttributes(["n": MessageAttribute(dataType: "Number", stringValue: "abc")])
        }
        #expect(throws: AWSError.self) {
            try SNSAPI.checkAttributes(["n": MessageAttribute(dataType: "Float", stringValue: "1")])
        }
        #expect(throws: AWSError.self) {
            try SNSAPI.checkAttributes(["AWS.x": MessageAttribute(dataType: "String", stringValue: "1")])
        }
        #expect(throws: Never.self) {
            try SNSAPI.checkAttributes(["n": MessageAttribute(dataType: "Number.float", stringValue: "1.5")])
        }
    }
}

@Suite struct TopicPolicyDecisionTests {
    let topic = Topic(
        name: "t", accountId: "111111111111", region: "us-east-1", attributes: [:], created: Date(timeIntervalSince1970: 0))
    let rule = "arn:aws:events:us-east-1:111111111111:rule/r"

    func events(_ sourceArn: String) -> Caller {
        Caller.service("events.amazonaws.com", region: "us-east-1", sourceArn: sourceArn, sourceAccount: "111111111111")
    }

    func root(_ account: String) -> Caller {
        Caller(
            principal: Principal(
                kind: .root, accountId: account, arn: "arn:aws:iam::\(account):root", userId: account),
            accessKeyId: "AKIA", region: "us-east-1")
    }

    @Test func theDefaultPolicyRefusesServicePrincipals() {
        #expect(SNSAPI.denial(events(rule), "Publish", topic)?.code == "AuthorizationError")
    }

    @Test func aStatementForTheRuleLetsEventBridgePublishForThatRuleOnly() {
        var t = topic
        t.attributes["Policy"] = """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},
            "Action":"sns:Publish","Resource":"\(t.arn)","Condition":{"ArnEquals":{"aws:SourceArn":"\(rule)"}}}]}
            """
        #expect(SNSAPI.denial(events(rule), "Publish", t) == nil)
        #expect(SNSAPI.denial(events(rule + "-other"), "Publish", t) != nil)
        #expect(SNSAPI.denial(events(rule), "DeleteTopic", t) != nil)
    }

    @Test func theOwnerAccountIsAllowedAndOthersAreNot() {
        #expect(SNSAPI.denial(root("111111111111"), "Publish", topic) == nil)
        let denial = SNSAPI.denial(root("222222222222"), "Publish", topic)
        #expect(denial?.code == "AuthorizationError")
        #expect(denial?.message.contains("SNS:Publish") == true)
    }
}
