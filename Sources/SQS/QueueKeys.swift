import AWSProtocol
import Foundation
import Identity
import RampartCore
import ServiceKit

/// Server-side encryption with KMS keys (`KmsMasterKeyId`), as SQS does it: a sender's messages
/// are sealed under a data key KMS generates for that sender (authorized as the sender, through
/// SQS: `kms:ViaService` `sqs.<region>.amazonaws.com`, encryption context `aws:sqs:arn`), and a
/// receiver's copies are opened with the data key KMS decrypts for the receiver. Both are reused
/// for the queue's `KmsDataKeyReusePeriodSeconds`. KMS's refusals become SQS's `Kms*` errors with
/// KMS's own message.
struct QueueKeys: Sendable {
    let integrations: Integrations
    let clock: any ServiceClock
    let cache = DataKeyCache()

    /// The data key `caller`'s messages to `queue` are sealed with; nil for a queue without one.
    func sealingKey(_ queue: Queue, caller: Caller) async throws(AWSError) -> DataKeyCache.Entry? {
        guard let keyId = queue.settings.kmsMasterKeyId else { return nil }
        let now = clock.now
        let name = "send|\(queue.arn)|\(keyId)|\(caller.principal.arn)"
        if let entry = cache.get(name, now: now) { return entry }
        guard let provider = integrations.dataKeys else {
            throw .kms(code: "NotFoundException", message: "KMS is not available.")
        }
        do {
            let made = try await provider.generateDataKey(
                keyId: keyId, caller: caller.onBehalf(via: "sqs"), encryptionContext: MessageSealing.context(queueArn: queue.arn))
            let entry = DataKeyCache.Entry(
                plaintext: made.plaintext, ciphertextBlob: Base64.encode(made.ciphertextBlob),
                expires: now.addingTimeInterval(TimeInterval(queue.settings.kmsDataKeyReusePeriodSeconds)))
            cache.put(name, entry, now: now)
            return entry
        } catch {
            throw .kms(code: error.code, message: error.message)
        }
    }

    func seal(_ body: String, with key: DataKeyCache.Entry, messageId: String) throws(AWSError) -> String {
        do {
            return try MessageSealing.seal(body, key: key.plaintext, messageId: messageId)
        } catch {
            throw .internalFailure()
        }
    }

    /// The messages with their bodies opened for `caller`.
    func open(_ messages: [StoredMessage], queue: Queue, caller: Caller) async throws(AWSError) -> [StoredMessage] {
        var opened = messages
        for index in opened.indices {
            guard let blob = opened[index].dataKey, let context = opened[index].keyContext else { continue }
            let key = try await openingKey(blob: blob, context: context, queue: queue, caller: caller)
            do {
                opened[index].body = try MessageSealing.open(opened[index].body, key: key, messageId: opened[index].id)
            } catch {
                throw .internalFailure()
            }
        }
        return opened
    }

    private func openingKey(blob: String, context: String, queue: Queue, caller: Caller) async throws(AWSError) -> [UInt8] {
        let now = clock.now
        let name = "receive|\(blob)|\(caller.principal.arn)"
        if let entry = cache.get(name, now: now) { return entry.plaintext }
        guard let provider = integrations.dataKeys, let bytes = Base64.decode(blob) else { throw .internalFailure() }
        do {
            let plaintext = try await provider.decrypt(
                ciphertextBlob: bytes, caller: caller.onBehalf(via: "sqs"),
                encryptionContext: MessageSealing.context(queueArn: context))
            cache.put(
                name,
                DataKeyCache.Entry(
                    plaintext: plaintext, ciphertextBlob: blob,
                    expires: now.addingTimeInterval(TimeInterval(queue.settings.kmsDataKeyReusePeriodSeconds))),
                now: now)
            return plaintext
        } catch {
            throw .kms(code: error.code, message: error.message)
        }
    }
}

extension AWSError {
    /// KMS's refusal of a data key, as SQS answers it (its `Kms*` error, KMS's message).
    static func kms(code: String, message: String) -> AWSError {
        let sqsCode: SQSShapes.ErrorCode =
            switch code {
            case "AccessDeniedException": .kmsAccessDenied
            case "DisabledException": .kmsDisabled
            case "NotFoundException": .kmsNotFound
            case "InvalidKeyUsageException": .kmsInvalidKeyUsage
            case "ThrottlingException": .kmsThrottled
            default: .kmsInvalidState
            }
        return AWSError(sqsCode, message: message)
    }
}
