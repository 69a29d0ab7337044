public import AWSProtocol
import Crypto
public import Identity
import KeyCrypto

/// The result of GenerateMac.
public struct MacResult: Sendable {
    public var mac: [UInt8]
    public var keyArn: String
    public var algorithm: String
}

extension KeyManagementService {
    public func generateMac(
        keyId: String, message: [UInt8], algorithm: String, dryRun: Bool, caller: Caller, requestId: String? = nil
    ) throws(AWSError) -> MacResult {
        let (key, mac) = try computeMac(
            keyId: keyId, message: message, algorithm: algorithm, action: "kms:GenerateMac", dryRun: dryRun, caller: caller)
        recordUsage(of: key, operation: "GenerateMac", requestId: requestId)
        return MacResult(mac: mac, keyArn: key.arn, algorithm: algorithm)
    }

    /// Returns the key's ARN when the MAC matches; KMSInvalidMacException when it does not.
    public func verifyMac(
        keyId: String, message: [UInt8], mac: [UInt8], algorithm: String, dryRun: Bool, caller: Caller,
        requestId: String? = nil
    ) throws(AWSError) -> String {
        let (key, expected) = try computeMac(
            keyId: keyId, message: message, algorithm: algorithm, action: "kms:VerifyMac", dryRun: dryRun, caller: caller)
        recordUsage(of: key, operation: "VerifyMac", requestId: requestId)
        // Constant time: the comparison does not stop at the first differing byte.
        guard expected.count == mac.count, zip(expected, mac).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw AWSError(KMSShapes.ErrorCode.kmsInvalidMacException, message: "")
        }
        return key.arn
    }

    func computeMac(
        keyId: String, message: [UInt8], algorithm: String, action: String, dryRun: Bool, caller: Caller
    ) throws(AWSError) -> (KMSKey, [UInt8]) {
        let (key, material) = try usableKey(
            keyId, action: action, usage: .generateVerifyMac, caller: caller,
            conditionKeys: Self.requestAliasKeys(keyId).merging(["kms:MacAlgorithm": [algorithm]]) { a, _ in a })
        guard let named = MacAlgorithm(rawValue: algorithm), key.keySpec.macAlgorithms.contains(named),
            let hash = key.keySpec.hmacHash, let secret = material.hmacKey
        else {
            throw .invalidKeyUsage("Algorithm \(algorithm) is incompatible with key spec \(key.keySpec.rawValue).")
        }
        if dryRun { throw .dryRunOperation() }
        return (key, secret.withUnsafeBytes { MAC.hmac(hash, key: Array($0), message: message) })
    }
}
