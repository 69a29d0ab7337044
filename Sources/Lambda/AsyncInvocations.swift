import AWSProtocol
import Foundation
import Identity
import Logging
import RampartCore
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Asynchronous invocations: Invoke with `Event`, and what EventBridge and SNS deliver to
/// functions. Each is queued durably before it is acknowledged, run once the function can take
/// it, retried per the function's event-invoke configuration (2 retries, 1 and 2 minutes apart,
/// for at most 6 hours, by default), and its outcome sent to the OnSuccess or OnFailure
/// destination (or, failing, the function's dead-letter queue), as AWS does. A restart runs what
/// was queued and not finished (at least once, as AWS).
final class AsyncInvocations: Sendable, Service, MessageSink {
    let store: FunctionStore
    let clock: any ServiceClock
    let integrations: Integrations
    let executor: (any FunctionExecutor)?
    let logger: Logger
    private let running = Mutex<Set<String>>([])
    private let wake = Signals()
    private static let key = "lambda-async"
    /// How many queued invocations run at once.
    static let parallelism = 8

    init(
        store: FunctionStore, clock: any ServiceClock, integrations: Integrations, executor: (any FunctionExecutor)?,
        logger: Logger
    ) {
        self.store = store
        self.clock = clock
        self.integrations = integrations
        self.executor = executor
        self.logger = logger
    }

    var nowMillis: Int64 { Int64(clock.now.timeIntervalSince1970 * 1000) }

    func enqueue(_ function: StoredFunction, qualifier: String?, payload: [UInt8], requestId: String) async throws(AWSError) {
        let now = nowMillis
        do {
            try await store.enqueue(
                FunctionStore.QueuedInvocation(
                    id: requestId, accountId: function.accountId, region: function.region, functionName: function.name,
                    qualifier: qualifier ?? "", payload: payload, enqueuedAt: now, attempts: 0, nextAt: now))
        } catch {
            throw .lambdaService("The invocation could not be queued; retry later.")
        }
        wake.signal(Self.key)
    }

    // MARK: MessageSink (EventBridge targets, SNS subscriptions, destinations)

    func deliver(_ message: DeliveredMessage, to arn: String, from sender: Caller) async throws(DeliveryFailure) {
        guard let parsed = FunctionNames.parse(arn), let accountId = parsed.accountId, let region = parsed.region else {
            throw DeliveryFailure(code: "ResourceNotFoundException", message: "Function not found: \(arn)")
        }
        let function: StoredFunction?
        do {
            function = try await store.function(accountId: accountId, region: region, name: parsed.name)
        } catch {
            throw DeliveryFailure(code: "ServiceException", message: "The function store is unavailable.", retryable: true)
        }
        guard let function, function.version(parsed.qualifier) != nil else {
            throw DeliveryFailure(code: "ResourceNotFoundException", message: "Function not found: \(arn)")
        }
        if let denial = FunctionPolicy.authorize(sender, "lambda:InvokeFunction", resource: arn, function: function) {
            throw DeliveryFailure(code: denial.code, message: denial.message)
        }
        guard executor != nil else {
            throw DeliveryFailure(code: "ServiceException", message: "This server does not run functions.", retryable: true)
        }
        var payload = Array(message.body.utf8)
        if sender.principal.kind == .awsService, sender.principal.arn == "sns.amazonaws.com" {
            payload = Self.snsEvent(envelope: message.body, topicArn: sender.sourceArn ?? "", region: region)
        }
        do {
            try await enqueue(function, qualifier: parsed.qualifier, payload: payload, requestId: UUIDText.random())
        } catch {
            throw DeliveryFailure(code: error.code, message: error.message, retryable: true)
        }
    }

    /// SNS's event for a function: the notification inside `Records[0].Sns`.
    static func snsEvent(envelope: String, topicArn: String, region: String) -> [UInt8] {
        let sns = (try? JSONParser.parse(Array(envelope.utf8))) ?? .string(envelope)
        let record: JSONValue = [
            "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": .string(topicArn),
            "Sns": sns,
        ]
        return JSONValue.object(["Records": [record]]).serialized()
    }

    // MARK: Running

    func run() async throws {
        guard executor != nil else {
            await cancelWhenGracefulShutdown { try? await Task.sleep(for: .seconds(1 << 40)) }
            return
        }
        await withTaskGroup(of: Void.self) { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let generation = wake.generation(Self.key)
                let capacity = Self.parallelism - running.withLock { $0.count }
                if capacity > 0, let due = try? await store.due(now: nowMillis, limit: Self.parallelism * 2) {
                    var started = 0
                    for q in due where started < capacity {
                        guard running.withLock({ $0.insert(q.id).inserted }) else { continue }
                        started += 1
                        group.addTask {
                            await self.process(q)
                            _ = self.running.withLock { $0.remove(q.id) }
                            self.wake.signal(Self.key)
                        }
                    }
                }
                await cancelWhenGracefulShutdown {
                    await self.wake.wait(Self.key, after: generation, timeout: .milliseconds(250))
                }
            }
            group.cancelAll()
        }
    }

    func process(_ q: FunctionStore.QueuedInvocation) async {
        guard let executor else { return }
        let function: StoredFunction
        do {
            guard let found = try await store.function(accountId: q.accountId, region: q.region, name: q.functionName) else {
                try await store.finish(id: q.id)
                return
            }
            function = found
        } catch {
            return  // the store is away: the next round tries again
        }
        let config = function.eventInvokeConfigs[q.version] ?? function.eventInvokeConfigs["$LATEST"]
        let maxRetries = config?.maximumRetryAttempts ?? 2
        let maxAge = Int64(config?.maximumEventAgeInSeconds ?? 21_600) * 1000
        let arn = FunctionNames.arn(accountId: q.accountId, region: q.region, name: q.functionName, qualifier: q.named)
        guard let version = function.version(q.named) else {
            try? await store.finish(id: q.id)
            return
        }
        if nowMillis - q.enqueuedAt > maxAge {
            await settle(q, function, config, version: version.version, result: nil, condition: "EventAgeExceeded")
            return
        }
        var result: ExecutionResult?
        var throttled = false
        do {
            result = try await executor.execute(
                function, version, payload: q.payload, requestId: q.id, invokedArn: arn, clientContext: nil)
        } catch {
            throttled = true
            logger.info("lambda async invocation refused", metadata: ["code": .string(error.code)])
        }
        let attempts = q.attempts + 1
        if let result, result.functionError == nil {
            await settle(q, function, config, version: version.version, result: result, condition: "Success")
            return
        }
        // Throttled invocations are retried until the event is too old; errors up to the limit.
        if throttled || attempts <= maxRetries {
            let delay: Int64 = throttled ? 1000 : (attempts == 1 ? 60_000 : 120_000)
            try? await store.reschedule(id: q.id, attempts: throttled ? q.attempts : attempts, nextAt: nowMillis + delay)
            return
        }
        await settle(q, function, config, version: version.version, result: result, condition: "RetriesExhausted")
    }

    /// Sends the outcome where the function's configuration says, then forgets the invocation.
    private func settle(
        _ q: FunctionStore.QueuedInvocation, _ function: StoredFunction, _ config: EventInvokeConfig?, version: String,
        result: ExecutionResult?, condition: String
    ) async {
        let success = condition == "Success"
        let destination = success ? config?.onSuccess : (config?.onFailure ?? function.version(q.named)?.deadLetterTarget)
        if let destination, let sink = integrations.sink(for: destination), let executor {
            let record: [UInt8]
            if !success && config?.onFailure == nil {
                record = q.payload  // a dead-letter queue gets the event as it was
            } else {
                record = Self.destinationRecord(
                    q, version: version, result: result, condition: condition, attempts: q.attempts + 1,
                    now: clock.now)
            }
            do {
                let sender = try await executor.roleCaller(function, function.version(q.named) ?? function.latest)
                try await sink.deliver(
                    DeliveredMessage(body: String(decoding: record, as: UTF8.self)), to: destination, from: sender)
            } catch {
                logger.info("lambda destination refused the record", metadata: ["condition": .string(condition)])
            }
        }
        try? await store.finish(id: q.id)
    }

    /// The record AWS sends to an invocation's destination.
    static func destinationRecord(
        _ q: FunctionStore.QueuedInvocation, version: String, result: ExecutionResult?, condition: String, attempts: Int,
        now: Date
    ) -> [UInt8] {
        let payload = (try? JSONParser.parse(q.payload)) ?? .string(String(decoding: q.payload, as: UTF8.self))
        var response: [String: JSONValue] = ["statusCode": 200, "executedVersion": .string(version)]
        if let error = result?.functionError { response["functionError"] = .string(error) }
        var record: [String: JSONValue] = [
            "version": "1.0",
            "timestamp": .string(Timestamp.iso8601(now)),
            "requestContext": [
                "requestId": .string(q.id),
                "functionArn": .string(
                    FunctionNames.arn(accountId: q.accountId, region: q.region, name: q.functionName, qualifier: q.version)),
                "condition": .string(condition),
                "approximateInvokeCount": .int(Int64(attempts)),
            ],
            "requestPayload": payload,
            "responseContext": .object(response),
        ]
        if let result {
            record["responsePayload"] =
                (try? JSONParser.parse(result.payload)) ?? .string(String(decoding: result.payload, as: UTF8.self))
        }
        return JSONValue.object(record).serialized()
    }
}

extension FunctionStore.QueuedInvocation {
    /// The qualifier the invocation named (nil: the function itself, unqualified).
    var named: String? { qualifier.isEmpty ? nil : qualifier }
    /// The version or alias it runs: `$LATEST` when it named none.
    var version: String { qualifier.isEmpty ? "$LATEST" : qualifier }
}
