public import Crypto
public import Foundation

/// The root of trust: wraps every secret Rampart keeps at rest (key material, IAM secret keys)
/// under one 256-bit root key with AES-256-GCM.
///
/// Each sealed blob is bound to what it belongs to through the additional authenticated data
/// (`context`, e.g. the key ARN and material id), so a wrapped blob moved to another key's row
/// does not open. Format: version byte `0x01` | 12-byte nonce | ciphertext | 16-byte tag.
public struct KeyVault: Sendable {
    private let rootKey: SymmetricKey

    public init(rootKey: SymmetricKey) {
        precondition(rootKey.bitCount == 256, "the root key is 256 bits")
        self.rootKey = rootKey
    }

    static let version: UInt8 = 1

    /// Wraps `plaintext`, bound to `context`.
    public func seal(_ plaintext: some DataProtocol, context: String) throws(KeyVaultError) -> [UInt8] {
        do {
            let box = try AES.GCM.seal(plaintext, using: rootKey, authenticating: Array(context.utf8))
            var out: [UInt8] = [Self.version]
            out.reserveCapacity(1 + 12 + plaintext.count + 16)
            box.nonce.withUnsafeBytes { out.append(contentsOf: $0) }
            out.append(contentsOf: box.ciphertext)
            out.append(contentsOf: box.tag)
            return out
        } catch {
            throw .sealFailed
        }
    }

    /// Unwraps a blob made by `seal` with the same `context`.
    public func open(_ sealed: [UInt8], context: String) throws(KeyVaultError) -> SecretBytes {
        guard sealed.count >= 1 + 12 + 16, sealed[0] == Self.version else { throw .malformed }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: sealed[1..<13]),
                ciphertext: sealed[13..<(sealed.count - 16)],
                tag: sealed[(sealed.count - 16)...])
            var plain = try AES.GCM.open(box, using: rootKey, authenticating: Array(context.utf8))
            defer { plain.resetBytes(in: 0..<plain.count) }
            return SecretBytes(plain)
        } catch {
            throw .authenticationFailed
        }
    }

    /// Unwraps a blob holding a symmetric key.
    public func openKey(_ sealed: [UInt8], context: String) throws(KeyVaultError) -> SymmetricKey {
        let secret = try open(sealed, context: context)
        return secret.withUnsafeBytes { SymmetricKey(data: $0) }
    }

    /// A value stored beside the data it protects, so a start with the wrong root key is
    /// noticed before anything is read or written.
    public func makeCheckValue() throws(KeyVaultError) -> [UInt8] {
        try seal(Array("rampart root key check".utf8), context: "rampart:root-key-check")
    }

    public func verifyCheckValue(_ value: [UInt8]) -> Bool {
        (try? open(value, context: "rampart:root-key-check")) != nil
    }
}

/// Why the vault refused; descriptions never include key bytes.
public struct KeyVaultError: Error, Sendable, Hashable, CustomStringConvertible {
    private let code: String
    public let description: String

    private init(_ code: String, _ description: String) {
        self.code = code
        self.description = description
    }

    public static let sealFailed = KeyVaultError("sealFailed", "sealing failed")
    public static let malformed = KeyVaultError("malformed", "the sealed blob is malformed")
    public static let authenticationFailed = KeyVaultError(
        "authenticationFailed", "the sealed blob does not open with this root key and context")

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
