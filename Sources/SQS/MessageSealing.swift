import AWSProtocol
import Crypto
import Foundation

/// A message body as a queue with `KmsMasterKeyId` keeps it: AES-256-GCM under a KMS data key,
/// the message id as associated data (a body cannot be moved onto another message), written
/// `base64(nonce ‖ ciphertext ‖ tag)`. The data key's ciphertext blob is kept beside it; the
/// plaintext key never is.
enum MessageSealing {
    struct Failure: Error {}

    static func seal(_ body: String, key: [UInt8], messageId: String) throws -> String {
        let box = try AES.GCM.seal(Array(body.utf8), using: SymmetricKey(data: key), authenticating: Array(messageId.utf8))
        guard let combined = box.combined else { throw Failure() }
        return Base64.encode(Array(combined))
    }

    static func open(_ sealed: String, key: [UInt8], messageId: String) throws -> String {
        guard let bytes = Base64.decode(sealed) else { throw Failure() }
        let box = try AES.GCM.SealedBox(combined: bytes)
        let plain = try AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: Array(messageId.utf8))
        guard let text = String(bytes: plain, encoding: .utf8) else { throw Failure() }
        return text
    }

    /// The encryption context SQS asks KMS for a queue's data keys under.
    static func context(queueArn: String) -> [String: String] { ["aws:sqs:arn": queueArn] }
}
