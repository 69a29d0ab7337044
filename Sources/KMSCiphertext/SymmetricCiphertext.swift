import AWSProtocol
public import Crypto
public import Foundation
import RampartCore

/// The ciphertext blob of a symmetric KMS key: versioned, self-describing, authenticated.
///
/// ```
/// version 0x01 | account id (12 ASCII digits) | region length (1) | region | key id (16-byte UUID)
///   | material id (32 bytes) | nonce (12) | AES-256-GCM ciphertext | tag (16)
/// ```
/// The header names the key and the material that sealed the data, so Decrypt needs no KeyId
/// and rotation never strands old ciphertext. The whole header and the canonical encryption
/// context are the GCM additional data: changing any byte of either fails authentication.
///
/// Version 0x02 is the same layout for a multi-Region key: its 16 key id bytes are the 32
/// hexadecimal digits after `mrk-`. The region is the one that encrypted; any related key
/// decrypts (the region is still authenticated, so it cannot be swapped). Single-Region keys
/// still write version 0x01, so every blob written before multi-Region keys reads as it did.
public struct SymmetricCiphertext: Sendable, Equatable {
    /// The version of blobs made by single-Region keys.
    public static let version: UInt8 = 0x01
    /// The version of blobs made by multi-Region keys.
    public static let multiRegionVersion: UInt8 = 0x02
    static let nonceSize = 12
    static let tagSize = 16

    public var accountId: String
    public var region: String
    public var keyId: String
    public var materialId: String
    var nonce: [UInt8]
    var sealed: [UInt8]
    var tag: [UInt8]
    var header: [UInt8]

    /// The bytes of the blob.
    public var bytes: [UInt8] { header + nonce + sealed + tag }

    /// Encrypts `plaintext` under `material`, naming the key and material in the header.
    public static func seal(
        _ plaintext: some DataProtocol, material: SymmetricKey, accountId: String, region: String, keyId: String,
        materialId: String, context: EncryptionContext
    ) throws -> SymmetricCiphertext {
        guard let header = makeHeader(accountId: accountId, region: region, keyId: keyId, materialId: materialId) else {
            throw CiphertextError.malformed
        }
        // swift-crypto's own `Nonce()` asks the kernel twice per nonce (two getrandom calls per
        // Encrypt); the pool asks once per 4 KiB.
        var bytes = [UInt8](repeating: 0, count: 12)
        bytes.withUnsafeMutableBytes { SecureRandom.fillNonce($0) }
        let nonce = try AES.GCM.Nonce(data: bytes)
        let box = try AES.GCM.seal(plaintext, using: material, nonce: nonce, authenticating: header + context.canonicalBytes)
        return SymmetricCiphertext(
            accountId: accountId, region: region, keyId: keyId, materialId: materialId, nonce: Array(nonce),
            sealed: Array(box.ciphertext), tag: Array(box.tag), header: header)
    }

    /// Reads the header of a blob without decrypting; nil if it is not one of ours.
    public static func parse(_ blob: [UInt8]) -> SymmetricCiphertext? {
        var i = 0
        guard blob.count > 1 + 12 + 1, blob[0] == version || blob[0] == multiRegionVersion else { return nil }
        i = 1
        let account = blob[i..<(i + 12)]
        guard account.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        i += 12
        let regionLength = Int(blob[i])
        i += 1
        guard regionLength > 0, blob.count >= i + regionLength + 16 + 32 + nonceSize + tagSize else { return nil }
        guard let region = String(validating: blob[i..<(i + regionLength)], as: UTF8.self) else { return nil }
        i += regionLength
        let uuidBytes = Array(blob[i..<(i + 16)])
        i += 16
        let materialBytes = blob[i..<(i + 32)]
        i += 32
        let header = Array(blob[0..<i])
        let nonce = Array(blob[i..<(i + nonceSize)])
        i += nonceSize
        let sealed = Array(blob[i..<(blob.count - tagSize)])
        let tag = Array(blob[(blob.count - tagSize)...])
        let keyId: String
        if blob[0] == multiRegionVersion {
            keyId = MultiRegionKeyId.make(randomBytes: uuidBytes)
        } else {
            keyId = uuidBytes.withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }.uuidString.lowercased()
        }
        return SymmetricCiphertext(
            accountId: String(decoding: account, as: UTF8.self), region: region, keyId: keyId,
            materialId: Hex.encode(materialBytes), nonce: nonce, sealed: sealed, tag: tag, header: header)
    }

    /// Decrypts with `material`; throws if the blob, key or context do not match.
    public func open(material: SymmetricKey, context: EncryptionContext) throws -> [UInt8] {
        let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: sealed, tag: tag)
        return Array(try AES.GCM.open(box, using: material, authenticating: header + context.canonicalBytes))
    }

    static func makeHeader(accountId: String, region: String, keyId: String, materialId: String) -> [UInt8]? {
        let account = Array(accountId.utf8)
        let regionBytes = Array(region.utf8)
        guard account.count == 12, !regionBytes.isEmpty, regionBytes.count < 256,
            let material = Hex.decode(materialId), material.count == 32
        else { return nil }
        let keyBytes: [UInt8]
        let headerVersion: UInt8
        if let uuid = UUID(uuidString: keyId) {
            keyBytes = withUnsafeBytes(of: uuid.uuid) { Array($0) }
            headerVersion = version
        } else if MultiRegionKeyId.isValid(keyId), let bytes = Hex.decode(String(keyId.dropFirst(4))) {
            keyBytes = bytes
            headerVersion = multiRegionVersion
        } else {
            return nil
        }
        var header: [UInt8] = [headerVersion]
        header.reserveCapacity(1 + 12 + 1 + regionBytes.count + 16 + 32)
        header.append(contentsOf: account)
        header.append(UInt8(regionBytes.count))
        header.append(contentsOf: regionBytes)
        header.append(contentsOf: keyBytes)
        header.append(contentsOf: material)
        return header
    }
}

public enum CiphertextError: Error, Sendable {
    case malformed
}
