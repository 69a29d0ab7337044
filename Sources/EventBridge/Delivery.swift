import AWSProtocol
import Foundation
import Identity
import Logging
import RampartCore
import ServiceKit

/// Makes the outbox's deliveries: each through the sink of the target's service, as
/// `events.amazonaws.com` for the rule (`aws:SourceArn`, `aws:SourceAccount`), so the target's
/// own policy decides. A retryable failure is tried again with exponential backoff within the
/// target's RetryPolicy; a refusal, or retries exhausted, sends the event to the target's
/// dead-letter queue with AWS's attributes, or drops it when there is none.
struct DeliveryEngine: Sendable {
    let outbox: any Outbox
    let sinks: @Sendable (String) -> (any MessageSink)?
    let clock: any ServiceClock
    let logger: Logger

    static let servicePrincipal = "events.amazonaws.com"

    /// The wait before retry number `retry` (1-based): 1 s, doubling, at most 5 minutes.
    static func backoff(retry: Int) -> Int64 {
        let seconds = min(300, 1 << min(max(retry - 1, 0), 9))
        return Int64(seconds) * 1000
    }

    var nowMillis: Int64 { Int64((clock.now.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// What became of one delivery.
    enum Outcome: Sendable, Equatable {
        case delivered
        case retryLater(dueAt: Int64)
        /// Sent to the dead-letter queue (or dropped, when `deadLetter` is false).
        case deadLettered(code: String, exhausted: String?, deadLetter: Bool)
    }

    /// Makes every delivery that is due; answers how many were handled.
    @discardableResult
    func runOnce(limit: Int = 100) async -> Int {
        let entries: [OutboxEntry]
        do {
            entries = try await outbox.due(now: nowMillis, limit: limit)
        } catch {
            logger.error("reading the EventBridge outbox failed; retrying")
            return 0
        }
        for entry in entries { _ = await attempt(entry) }
        return entries.count
    }

    /// Tries one delivery and records its outcome in the outbox.
    func attempt(_ entry: OutboxEntry) async -> Outcome {
        let now = nowMillis
        let ageLimit = entry.enqueuedAt + Int64(entry.retry.maximumEventAgeSeconds) * 1000
        let failure: DeliveryFailure
        var exhausted: String?
        if now > ageLimit {
            failure = DeliveryFailure(code: "EVENT_EXPIRED", message: "The event is older than MaximumEventAgeInSeconds.")
            exhausted = "MaximumEventAgeInSeconds"
        } else {
            RuleMetrics.invoked(entry.ruleArn)
            do {
                try await deliver(entry)
                do { try await outbox.remove(id: entry.id) } catch { logger.error("removing a delivered event failed") }
                return .delivered
            } catch let f {
                failure = f
                RuleMetrics.failed(entry.ruleArn)
            }
            if failure.retryable {
                let retries = entry.attempts + 1
                let dueAt = now + Self.backoff(retry: retries)
                if entry.attempts >= entry.retry.maximumRetryAttempts {
                    exhausted = "MaximumRetryAttempts"
                } else if dueAt > ageLimit {
                    exhausted = "MaximumEventAgeInSeconds"
                } else {
                    do {
                        try await outbox.reschedule(id: entry.id, attempts: retries, dueAt: dueAt)
                    } catch {
                        logger.error("rescheduling an EventBridge delivery failed")
                    }
                    return .retryLater(dueAt: dueAt)
                }
            }
        }
        let sent = await deadLetter(entry, failure: failure, exhausted: exhausted)
        if sent { RuleMetrics.sentToDeadLetterQueue(entry.ruleArn) }
        do { try await outbox.remove(id: entry.id) } catch { logger.error("removing a dead-lettered event failed") }
        return .deadLettered(code: failure.code, exhausted: exhausted, deadLetter: sent)
    }

    private func sender(_ entry: OutboxEntry) -> Caller {
        Caller.service(
            Self.servicePrincipal, region: entry.region, sourceArn: entry.ruleArn, sourceAccount: entry.ruleAccount)
    }

    private func deliver(_ entry: OutboxEntry) async throws(DeliveryFailure) {
        guard let sink = sinks(entry.targetArn) else {
            // No service here takes this target's messages yet (Lambda, Kinesis, ...): kept and
            // retried within the RetryPolicy, in case one is registered, then dead-lettered.
            throw DeliveryFailure(
                code: "SDK_CLIENT_ERROR", message: "The target service is not available in this Rampart build.",
                retryable: true)
        }
        try await sink.deliver(DeliveredMessage(body: entry.body), to: entry.targetArn, from: sender(entry))
    }

    /// The error code AWS's dead-letter messages name (`NO_PERMISSIONS`, `NO_RESOURCE`,
    /// `THROTTLING`, ...) for a failure from the target's service.
    static func errorCode(_ failure: DeliveryFailure, targetArn: String = "", ruleAccount: String = "") -> String {
        switch failure.code {
        case "AccessDenied", "AccessDeniedException", "AuthorizationError", "AuthorizationErrorException",
            "KMSAccessDenied", "KMSAccessDeniedException":
            if let arn = ARN(targetArn), arn.service == "events", arn.accountId != ruleAccount {
                return "CROSS_ACCOUNT_INGESTION_FAILED"
            }
            return "NO_PERMISSIONS"
        case "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NotFound", "NotFoundException",
            "ResourceNotFoundException":
            return "NO_RESOURCE"
        case "Throttling", "ThrottlingException", "Throttled", "RequestThrottled":
            return "THROTTLING"
        case "EVENT_EXPIRED":
            return "UNKNOWN"
        case "SDK_CLIENT_ERROR":
            return failure.code
        default:
            return failure.retryable ? "INTERNAL_ERROR" : "SDK_CLIENT_ERROR"
        }
    }

    /// The message a dead-letter queue receives: the event (not what an input transformer made of
    /// it), with AWS's attributes saying why.
    static func deadLetterMessage(_ entry: OutboxEntry, failure: DeliveryFailure, exhausted: String?) -> DeliveredMessage {
        var attributes: [String: DeliveredMessage.Attribute] = [
            "RULE_ARN": .string(entry.ruleArn), "TARGET_ARN": .string(entry.targetArn),
            "ERROR_CODE": .string(errorCode(failure, targetArn: entry.targetArn, ruleAccount: entry.ruleAccount)),
            "ERROR_MESSAGE": .string(String(failure.message.prefix(1024))),
            "RETRY_ATTEMPTS": .string(String(entry.attempts)),
        ]
        if let exhausted { attributes["EXHAUSTED_RETRY_CONDITION"] = .string(exhausted) }
        return DeliveredMessage(body: entry.event ?? entry.body, attributes: attributes)
    }

    private func deadLetter(_ entry: OutboxEntry, failure: DeliveryFailure, exhausted: String?) async -> Bool {
        guard let dlq = entry.deadLetterArn else {
            logger.notice(
                "an EventBridge delivery failed and the target has no dead-letter queue; the event is dropped",
                metadata: ["rule": .string(entry.ruleArn.debugDescription), "code": .string(failure.code.debugDescription)])
            return false
        }
        guard let sink = sinks(dlq) else { return false }
        do {
            try await sink.deliver(
                Self.deadLetterMessage(entry, failure: failure, exhausted: exhausted), to: dlq, from: sender(entry))
            return true
        } catch {
            logger.notice(
                "an EventBridge dead-letter queue refused an event; the event is dropped",
                metadata: ["rule": .string(entry.ruleArn.debugDescription), "code": .string(error.code.debugDescription)])
            return false
        }
    }
}
