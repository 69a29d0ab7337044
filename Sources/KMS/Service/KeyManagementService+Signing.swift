public import AWSProtocol
public import Identity
import KeyCrypto

/// The result of Sign.
public struct SignResult: Sendable {
    public var signature: [UInt8]
    public var keyArn: String
    public var algorithm: String
}

/// The result of GetPublicKey.
public struct PublicKeyResult: Sendable {
    public var key: KMSKey
    /// DER SubjectPublicKeyInfo.
    public var publicKey: [UInt8]
}

extension KeyManagementService {
    /// The key and its current material for a cryptographic operation of `usage`, after every check.
    func usableKey(
        _ keyId: String, action: String, usage: KeyUsage?, caller: Caller, conditionKeys: [String: [String]] = [:]
    ) throws(AWSError) -> (KMSKey, KeyMaterial) {
        let live = try resolve(keyId, caller: caller)
        try authorize(action, key: live.key, caller: caller, conditionKeys: conditionKeys)
        try checkState(.cryptographic, live.key)
        if let usage { try requireUsage(usage, of: live.key, for: action) }
        guard let current = live.key.currentMaterial, let material = live.materials[current.materialId] else {
            throw .kmsInvalidState("\(live.key.arn) is pending import.")
        }
        return (live.key, material)
    }

    public func sign(
        keyId: String, message: [UInt8], messageType: String?, algorithm: String, dryRun: Bool, caller: Caller,
        requestId: String? = nil
    ) throws(AWSError) -> SignResult {
        let (key, pair, scheme, input) = try signingRequest(
            keyId, action: "kms:Sign", message: message, messageType: messageType, algorithm: algorithm, dryRun: dryRun,
            caller: caller)
        let signature: [UInt8]
        do { signature = try pair.sign(input, scheme: scheme) } catch { throw .kmsInternal }
        recordUsage(of: key, operation: "Sign", requestId: requestId)
        return SignResult(signature: signature, keyArn: key.arn, algorithm: algorithm)
    }

    /// Returns the key's ARN when the signature is valid; KMSInvalidSignatureException when not.
    public func verify(
        keyId: String, message: [UInt8], messageType: String?, signature: [UInt8], algorithm: String, dryRun: Bool,
        caller: Caller, requestId: String? = nil
    ) throws(AWSError) -> String {
        let (key, pair, scheme, input) = try signingRequest(
            keyId, action: "kms:Verify", message: message, messageType: messageType, algorithm: algorithm, dryRun: dryRun,
            caller: caller)
        let valid: Bool
        do { valid = try pair.verify(signature, for: input, scheme: scheme) } catch { throw .kmsInternal }
        recordUsage(of: key, operation: "Verify", requestId: requestId)
        guard valid else { throw AWSError(KMSShapes.ErrorCode.kmsInvalidSignatureException, message: "") }
        return key.arn
    }

    /// Everything Sign and Verify check before touching the key pair.
    func signingRequest(
        _ keyId: String, action: String, message: [UInt8], messageType: String?, algorithm: String, dryRun: Bool,
        caller: Caller
    ) throws(AWSError) -> (KMSKey, PrivateKey, SignatureScheme, SignatureInput) {
        let (key, material) = try usableKey(
            keyId, action: action, usage: .signVerify, caller: caller,
            conditionKeys: Self.signingConditionKeys(keyId: keyId, algorithm: algorithm, messageType: messageType))
        let (scheme, input) = try Self.signatureInput(for: key, algorithm: algorithm, messageType: messageType, message: message)
        guard let pair = material.privateKey else { throw .kmsInternal }
        if dryRun { throw .dryRunOperation() }
        return (key, pair, scheme, input)
    }

    public func getPublicKey(keyId: String, caller: Caller, requestId: String? = nil) throws(AWSError) -> PublicKeyResult {
        let (key, material) = try usableKey(keyId, action: "kms:GetPublicKey", usage: nil, caller: caller)
        guard let pair = material.privateKey else {
            throw .unsupportedOperation("\(key.arn) key spec is \(key.keySpec.rawValue) which has no public key.")
        }
        recordUsage(of: key, operation: "GetPublicKey", requestId: requestId)
        return PublicKeyResult(key: key, publicKey: pair.publicKeyDER)
    }

    /// The scheme and input for a signing request, or AWS's refusal of the combination.
    static func signatureInput(
        for key: KMSKey, algorithm: String, messageType: String?, message: [UInt8]
    ) throws(AWSError)
        -> (SignatureScheme, SignatureInput)
    {
        guard let named = SigningAlgorithm(rawValue: algorithm),
            key.keySpec.signingAlgorithms(usage: key.keyUsage).contains(named),
            let scheme = named.scheme
        else {
            throw .invalidKeyUsage("Algorithm \(algorithm) is incompatible with key spec \(key.keySpec.rawValue).")
        }
        let type = messageType ?? "RAW"
        switch (type, scheme) {
        case ("RAW", .ed25519ph):
            throw .validation(message: "Message type RAW is incompatible with signing algorithm \(algorithm).")
        case ("RAW", _):
            return (scheme, .message(message))
        case ("DIGEST", .ed25519), ("DIGEST", .mlDSA):
            let what = scheme == .mlDSA ? "key spec \(key.keySpec.rawValue)" : "signing algorithm \(algorithm)"
            throw .validation(message: "Message type DIGEST is incompatible with \(what).")
        case ("DIGEST", _):
            guard message.count == scheme.digest?.byteCount else {
                throw .validation(message: "Digest is invalid length for algorithm \(algorithm).")
            }
            return (scheme, .digest(message))
        case ("EXTERNAL_MU", .mlDSA):
            throw .unsupportedOperation(
                "Message type EXTERNAL_MU is not supported by this Rampart build: swift-crypto does not sign an external mu.")
        default:
            throw .validation(message: "Message type \(type) is incompatible with key spec \(key.keySpec.rawValue).")
        }
    }

    static func signingConditionKeys(keyId: String, algorithm: String, messageType: String?) -> [String: [String]] {
        var keys = requestAliasKeys(keyId)
        keys["kms:SigningAlgorithm"] = [algorithm]
        keys["kms:MessageType"] = [messageType ?? "RAW"]
        return keys
    }
}
