import AWSProtocol
import Foundation

/// The JSON documents SNS sends to HTTP(S) endpoints and SQS queues (unless raw delivery), with
/// AWS's members in AWS's order, and the string each signature covers.
struct Envelope: Sendable, Equatable {
    enum Kind: String, Sendable {
        case notification = "Notification"
        case subscriptionConfirmation = "SubscriptionConfirmation"
        case unsubscribeConfirmation = "UnsubscribeConfirmation"
    }

    var type: Kind
    var messageId: String
    var topicArn: String
    var subject: String?
    var message: String
    var timestamp: String
    var signatureVersion: String
    var signature = ""
    var signingCertURL: String
    /// Notifications: the link that unsubscribes.
    var unsubscribeURL: String?
    /// Confirmations: the token and the link that confirms.
    var token: String?
    var subscribeURL: String?
    /// Notifications: `{"name": {"Type": ..., "Value": ...}}`.
    var messageAttributes: [String: MessageAttribute] = [:]

    /// AWS's documented string to sign: "Name\nvalue\n" for each field, in this order:
    /// notifications Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type;
    /// confirmations Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
    var stringToSign: String {
        var fields: [(String, String)] = [("Message", message), ("MessageId", messageId)]
        switch type {
        case .notification:
            if let subject { fields.append(("Subject", subject)) }
            fields += [("Timestamp", timestamp), ("TopicArn", topicArn), ("Type", type.rawValue)]
        case .subscriptionConfirmation, .unsubscribeConfirmation:
            fields += [
                ("SubscribeURL", subscribeURL ?? ""), ("Timestamp", timestamp), ("Token", token ?? ""),
                ("TopicArn", topicArn), ("Type", type.rawValue),
            ]
        }
        return fields.map { "\($0.0)\n\($0.1)\n" }.joined()
    }

    /// The JSON text, members in AWS's order.
    var json: String {
        var members: [(String, JSONValue)] = [("Type", .string(type.rawValue)), ("MessageId", .string(messageId))]
        if let token { members.append(("Token", .string(token))) }
        members.append(("TopicArn", .string(topicArn)))
        if let subject { members.append(("Subject", .string(subject))) }
        members.append(("Message", .string(message)))
        if let subscribeURL { members.append(("SubscribeURL", .string(subscribeURL))) }
        members += [
            ("Timestamp", .string(timestamp)), ("SignatureVersion", .string(signatureVersion)),
            ("Signature", .string(signature)), ("SigningCertURL", .string(signingCertURL)),
        ]
        if let unsubscribeURL { members.append(("UnsubscribeURL", .string(unsubscribeURL))) }
        if type == .notification, !messageAttributes.isEmpty {
            members.append(
                (
                    "MessageAttributes",
                    .object(
                        messageAttributes.mapValues { a in
                            ["Type": .string(a.dataType), "Value": .string(a.stringValue ?? Base64.encode(a.binaryValue ?? []))]
                        })
                ))
        }
        return "{" + members.map { "\(JSONValue.string($0.0).jsonString):\($0.1.jsonString)" }.joined(separator: ",") + "}"
    }

    /// Timestamps as SNS writes them: ISO 8601 with milliseconds, UTC.
    static func timestamp(_ date: Date) -> String { Timestamp.iso8601(date, fractional: true) }
}

/// A message attribute as Publish takes it.
struct MessageAttribute: Codable, Sendable, Equatable {
    var dataType: String
    var stringValue: String?
    var binaryValue: [UInt8]?
}
