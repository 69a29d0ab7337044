import AWSProtocol
import AccessControl
import Identity
import RampartCore
import ServiceKit

/// Topics as other services reach them (EventBridge targets): the topic's policy must allow
/// `sns:Publish` to the sender (a service principal only through the topic policy, with its
/// `aws:SourceArn`/`aws:SourceAccount`), as AWS requires; the message is then published as a
/// Publish would publish it.
struct TopicSink: MessageSink {
    let service: SNSService

    func deliver(_ message: DeliveredMessage, to arn: String, from sender: Caller) async throws(DeliveryFailure) {
        let topic: Topic
        do {
            topic = try await service.topic(arn: arn)
        } catch {
            throw DeliveryFailure(code: error.code, message: error.message, retryable: error.httpStatus >= 500)
        }
        if let denial = SNSAPI.denial(sender, "Publish", topic) {
            throw DeliveryFailure(code: denial.code, message: denial.message)
        }
        do {
            let outgoing = try SNSAPI.outgoing(
                message: message.body, subject: message.subject, structure: nil,
                attributes: message.attributes.mapValues {
                    MessageAttribute(dataType: $0.dataType, stringValue: $0.stringValue, binaryValue: $0.binaryValue)
                })
            let requestId = UUIDText.random()
            try await service.checkEncryption(topic, publisher: sender, requestId: requestId)
            try await service.publish(
                outgoing, to: topic, messageId: UUIDText.random(), serviceEndpoint: topic.endpoint ?? "http://localhost:4566")
        } catch {
            throw DeliveryFailure(code: error.code, message: error.message, retryable: error.httpStatus >= 500)
        }
    }
}
