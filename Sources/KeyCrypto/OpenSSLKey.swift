import CKeyCrypto
import KeyVault

/// An OpenSSL key handle (RSA or EC), freed when the last reference goes.
///
/// OpenSSL allows concurrent use of a fully set-up key: every operation makes its own context.
final class OpenSSLKey: @unchecked Sendable {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit { kc_key_free(handle) }

    static func generate(_ kind: KeyPairKind) throws(KeyCryptoError) -> OpenSSLKey {
        let handle: OpaquePointer? =
            switch kind {
            case .rsa(let bits): kc_generate_rsa(Int32(bits))
            case .ec(let curve): kc_generate_ec(curve.code)
            default: nil
            }
        guard let handle else { throw .unsupported }
        return OpenSSLKey(handle)
    }

    static func privateKey(pkcs8: [UInt8]) throws(KeyCryptoError) -> OpenSSLKey {
        guard let handle = pkcs8.withUnsafeBufferPointer({ kc_private_from_pkcs8($0.baseAddress, $0.count) }) else {
            throw .invalidKey
        }
        return OpenSSLKey(handle)
    }

    static func publicKey(spki: [UInt8]) throws(KeyCryptoError) -> OpenSSLKey {
        guard let handle = spki.withUnsafeBufferPointer({ kc_public_from_spki($0.baseAddress, $0.count) }) else {
            throw .invalidKey
        }
        return OpenSSLKey(handle)
    }

    /// RSA(bits) or EC(curve); nil for anything else OpenSSL can parse.
    var kind: KeyPairKind? {
        switch kc_key_family(handle) {
        case Int32(KC_RSA): .rsa(bits: Int(kc_rsa_bits(handle)))
        case Int32(KC_EC): Curve(code: kc_ec_curve(handle)).map { .ec($0) }
        default: nil
        }
    }

    var pkcs8: [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>?
        let length = kc_private_to_pkcs8(handle, &buffer)
        guard length > 0, let buffer else { return [] }
        defer { kc_buffer_free(buffer, Int(length)) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
    }

    var spki: [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>?
        let length = kc_public_to_spki(handle, &buffer)
        guard length > 0, let buffer else { return [] }
        defer { kc_buffer_free(buffer, Int(length)) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
    }

    func signDigest(_ digest: [UInt8], padding: Int32, hash: HashFunction) throws(KeyCryptoError) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: 1024)
        var length = signature.count
        let ok = digest.withUnsafeBufferPointer { d in
            kc_sign_digest(handle, padding, hash.code, d.baseAddress, d.count, &signature, &length)
        }
        guard ok == 1 else { throw .invalidInput }
        return Array(signature[..<length])
    }

    func verifyDigest(_ digest: [UInt8], signature: [UInt8], padding: Int32, hash: HashFunction) -> Bool {
        digest.withUnsafeBufferPointer { d in
            signature.withUnsafeBufferPointer { s in
                kc_verify_digest(handle, padding, hash.code, d.baseAddress, d.count, s.baseAddress, s.count) == 1
            }
        }
    }

    func oaepEncrypt(_ plaintext: [UInt8], hash: OAEPHash) throws(KeyCryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 1024)
        var length = out.count
        let ok = plaintext.withUnsafeBufferPointer { p in
            kc_rsa_oaep_encrypt(handle, hash.code, p.baseAddress, p.count, &out, &length)
        }
        guard ok == 1 else { throw .invalidInput }
        return Array(out[..<length])
    }

    func oaepDecrypt(_ ciphertext: [UInt8], hash: OAEPHash) throws(KeyCryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 1024)
        var length = out.count
        let ok = ciphertext.withUnsafeBufferPointer { c in
            kc_rsa_oaep_decrypt(handle, hash.code, c.baseAddress, c.count, &out, &length)
        }
        guard ok == 1 else {
            Zeroize.array(&out)
            throw .invalidInput
        }
        return Zeroize.prefix(&out, count: length)
    }

    func deriveSharedSecret(with peer: OpenSSLKey) throws(KeyCryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 132)
        var length = out.count
        guard kc_ecdh(handle, peer.handle, &out, &length) == 1 else {
            Zeroize.array(&out)
            throw .invalidKey
        }
        // The shared secret is key material: the scratch it was written to is scrubbed.
        return Zeroize.prefix(&out, count: length)
    }
}
