import AWSProtocol
import AsyncHTTPClient
import Foundation
import Identity
import Logging
import NIOCore
import NIOHTTP1
import RampartCore
import ServiceKit
import ServiceLifecycle
import Synchronization

extension Signals {
    /// The key a Publish or Subscribe signals when it has added to the outbox, and a finished
    /// delivery when a place for another is free.
    static let snsOutbox = "sns-outbox"
}

/// Sends what the outbox holds: to SQS queues through their service's sink (as
/// `sns.amazonaws.com` for the topic, so the queue's policy decides), to HTTP(S) endpoints by
/// POST with AWS's headers, retrying per the delivery policy; what cannot be delivered goes to
/// the subscription's dead-letter queue, if it has one. Runs beside the server; Publish never
/// waits on it.
struct DeliveryLoop: Service {
    let outbox: Outbox
    let integrations: Integrations
    let clock: any ServiceClock
    let wakeup: Signals
    let logger: Logger

    var nowMillis: Int64 { Int64((clock.now.timeIntervalSince1970 * 1000).rounded(.down)) }

    func run() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5), read: .seconds(15))
        configuration.proxy = nil
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let inFlight = InFlight()
        do {
            try await outbox.releaseClaims(now: nowMillis)
        } catch {
            logger.warning("sns outbox not updated", metadata: ["error": .string("\(type(of: error))")])
        }
        await cancelWhenGracefulShutdown {
            // Each delivery runs on its own, so a slow endpoint (up to 15 s) holds up no other.
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    let generation = wakeup.generation(Signals.snsOutbox)
                    let started = await startDue(client, inFlight: inFlight, group: &group)
                    if !started { await wakeup.wait(Signals.snsOutbox, after: generation, timeout: .milliseconds(500)) }
                }
            }
        }
        try? await client.shutdown()
    }

    /// The outbox rows being delivered now, so that the loop does not start them twice.
    final class InFlight: Sendable {
        let ids = Mutex<Set<String>>([])
    }

    static let maxInFlight = 64

    /// Starts the due deliveries not already under way (up to `maxInFlight` at once); false
    /// when it started none.
    func startDue(_ client: HTTPClient, inFlight: InFlight, group: inout DiscardingTaskGroup) async -> Bool {
        let busy = inFlight.ids.withLock { $0.count }
        guard busy < Self.maxInFlight else { return false }
        let due: [Outbox.Pending]
        do {
            due = try await outbox.due(now: nowMillis, limit: Self.maxInFlight + busy)
        } catch {
            logger.warning("sns outbox unreadable", metadata: ["error": .string("\(type(of: error))")])
            return false
        }
        var started = false
        for pending in due {
            let fresh = inFlight.ids.withLock { ids -> Bool in
                guard ids.count < Self.maxInFlight, !ids.contains(pending.id) else { return false }
                ids.insert(pending.id)
                return true
            }
            guard fresh else { continue }
            started = true
            group.addTask {
                await deliver(pending, client)
                _ = inFlight.ids.withLock { $0.remove(pending.id) }
                wakeup.signal(Signals.snsOutbox)
            }
        }
        return started
    }

    /// Delivers a batch of due deliveries side by side and waits for them; false when none was
    /// due (for tests; the loop itself runs them with `startDue`).
    func deliverDue(_ client: HTTPClient) async -> Bool {
        let due: [Outbox.Pending]
        do {
            due = try await outbox.due(now: nowMillis, limit: 32)
        } catch {
            logger.warning("sns outbox unreadable", metadata: ["error": .string("\(type(of: error))")])
            return false
        }
        guard !due.isEmpty else { return false }
        await withTaskGroup(of: Void.self) { group in
            for pending in due {
                group.addTask { await deliver(pending, client) }
            }
        }
        return true
    }

    enum Outcome {
        case delivered
        case retry
        case failed(String)
    }

    /// How long a delivery is held by the pass sending it (longer than an HTTP attempt's 20 s).
    static let leaseMillis: Int64 = 60_000

    func deliver(_ pending: Outbox.Pending, _ client: HTTPClient) async {
        // The row is claimed first: a list of due rows read before another pass finished one
        // must not send it again.
        do {
            guard try await outbox.claim(pending.id, now: nowMillis, leaseMillis: Self.leaseMillis) else { return }
        } catch {
            logger.warning("sns outbox not updated", metadata: ["error": .string("\(type(of: error))")])
            return
        }
        let d = pending.delivery
        let outcome: Outcome
        switch d.kind {
        case .sqs, .lambda: outcome = await toSink(d)
        case .http: outcome = await post(d, client)
        }
        do {
            switch outcome {
            case .delivered:
                DeliveryMetrics.delivered(d.subscriptionArn)
                try await outbox.remove(pending.id)
            case .retry:
                let attempt = pending.attempts + 1
                let policy = d.retryPolicy ?? Self.queuePolicy
                if let delay = policy.delay(beforeRetry: attempt) {
                    try await outbox.retry(pending.id, attempts: attempt, at: nowMillis + Int64(delay) * 1000)
                } else {
                    DeliveryMetrics.failed(d.subscriptionArn)
                    await deadLetter(d, reason: "retries exhausted")
                    try await outbox.remove(pending.id)
                }
            case .failed(let reason):
                DeliveryMetrics.failed(d.subscriptionArn)
                await deadLetter(d, reason: reason)
                try await outbox.remove(pending.id)
            }
        } catch {
            logger.warning("sns outbox not updated", metadata: ["error": .string("\(type(of: error))")])
        }
    }

    /// AWS's policy for the endpoints it manages (SQS, Lambda): 3 immediate retries, 2 a second
    /// apart, 10 backing off exponentially from 1 to 20 seconds, then 100,000 20 seconds apart.
    static let queuePolicy: DeliveryPolicy = {
        var p = DeliveryPolicy()
        p.numNoDelayRetries = 3
        p.numMinDelayRetries = 2
        p.numMaxDelayRetries = 100_000
        p.numRetries = 100_015
        p.minDelayTarget = 1
        p.maxDelayTarget = 20
        p.backoffFunction = "exponential"
        return p
    }()

    var sender: (Delivery) -> Caller {
        { d in Caller.service("sns.amazonaws.com", region: d.region, sourceArn: d.topicArn, sourceAccount: d.topicAccount) }
    }

    func toSink(_ d: Delivery) async -> Outcome {
        guard let sink = integrations.sink(for: d.target) else {
            // Functions are accepted before this server runs them: kept and retried (AWS's
            // policy for the endpoints it manages) until a `lambda` sink is registered.
            return d.kind == .lambda ? .retry : .failed("no such service")
        }
        let message = DeliveredMessage(
            body: d.body,
            attributes: d.attributes.mapValues {
                DeliveredMessage.Attribute(dataType: $0.dataType, stringValue: $0.stringValue, binaryValue: $0.binaryValue)
            })
        do {
            try await sink.deliver(message, to: d.target, from: sender(d))
            return .delivered
        } catch {
            logger.info(
                "sns delivery refused",
                metadata: ["subscription": .string(d.subscriptionArn), "code": .string(LogSafe.text(error.code))])
            return error.retryable ? .retry : .failed(error.code)
        }
    }

    func post(_ d: Delivery, _ client: HTTPClient) async -> Outcome {
        var request = HTTPClientRequest(url: d.target)
        request.method = .POST
        for (name, value) in d.headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: "User-Agent", value: "Amazon Simple Notification Service Agent")
        request.body = .bytes(ByteBuffer(string: d.body))
        do {
            let response = try await client.execute(request, deadline: .now() + .seconds(15))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            // AWS: a status outside 200-4xx, or no answer in about 15 s, is a failed attempt; a 4xx
            // is taken as the endpoint's answer and not retried.
            return (200..<500).contains(Int(response.status.code)) ? .delivered : .retry
        } catch {
            return .retry
        }
    }

    /// Sends what could not be delivered to the subscription's dead-letter queue, if any.
    func deadLetter(_ d: Delivery, reason: String) async {
        guard let arn = d.deadLetterArn, let sink = integrations.sink(for: arn) else {
            logger.info(
                "sns delivery given up",
                metadata: ["subscription": .string(d.subscriptionArn), "reason": .string(LogSafe.text(reason))])
            return
        }
        do {
            try await sink.deliver(DeliveredMessage(body: d.body), to: arn, from: sender(d))
        } catch {
            logger.info(
                "sns dead-letter delivery refused",
                metadata: ["subscription": .string(d.subscriptionArn), "code": .string(LogSafe.text(error.code))])
        }
    }
}

/// Text for log lines: only printable ASCII, at most 128 characters.
enum LogSafe {
    static func text(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.prefix(128).map { $0.value >= 0x20 && $0.value < 0x7F ? $0 : "?" }))
    }
}
