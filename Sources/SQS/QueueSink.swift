import AWSProtocol
import AccessControl
import Identity
import Policy
import ServiceKit

/// Queues as other services reach them: EventBridge targets and dead-letter queues, SNS
/// subscriptions. The queue's policy (or, for a caller acting through another service, the
/// caller's own policies) must allow `sqs:SendMessage`, as AWS requires.
struct QueueSink: MessageSink {
    let service: SQSService

    func deliver(_ message: DeliveredMessage, to arn: String, from sender: Caller) async throws(DeliveryFailure) {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[2] == "sqs" else {
            throw DeliveryFailure(code: "InvalidAddress", message: "The address \(arn) is not valid for this endpoint.")
        }
        let queue: Queue
        do {
            guard let found = try await service.queue(accountId: parts[4], region: parts[3], name: parts[5]) else {
                throw DeliveryFailure(
                    code: "AWS.SimpleQueueService.NonExistentQueue", message: "The specified queue does not exist.")
            }
            queue = found
        } catch let failure as DeliveryFailure {
            throw failure
        } catch {
            throw DeliveryFailure(code: "InternalError", message: "The queue could not be read.", retryable: true)
        }
        if let denial = Authorization.authorize(
            sender, action: "sqs:SendMessage", resource: queue.arn, resourceAccount: queue.accountId,
            resourcePolicy: queue.settings.policy, rule: .optional)
        {
            throw DeliveryFailure(code: "AccessDenied", message: denial.message)
        }
        let outgoing = SQSService.Outgoing(
            body: message.body, delaySeconds: nil,
            attributes: message.attributes.mapValues {
                MessageAttribute(dataType: $0.dataType, stringValue: $0.stringValue, binaryValue: $0.binaryValue)
            }, traceHeader: nil)
        do {
            try service.check(outgoing, queue: queue)
            _ = try await service.send([outgoing], to: queue, sender: sender)
        } catch {
            throw DeliveryFailure(code: error.code, message: error.message, retryable: error.httpStatus >= 500)
        }
    }
}
