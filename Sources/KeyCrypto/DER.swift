/// The few DER structures Rampart writes itself: SubjectPublicKeyInfo and PKCS#8 for the key
/// types OpenSSL does not hold here (Ed25519, ML-DSA).
enum DER {
    /// id-Ed25519 (1.3.101.112).
    static let ed25519 = oid([0x2B, 0x65, 0x70])
    /// id-ml-dsa-65 and id-ml-dsa-87 (2.16.840.1.101.3.4.3.18 and .19).
    static let mlDSA65 = oid([0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12])
    static let mlDSA87 = oid([0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x13])

    static func oid(_ body: [UInt8]) -> [UInt8] { element(0x06, body) }

    static func element(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] {
        [tag] + length(body.count) + body
    }

    static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        var bytes: [UInt8] = []
        var rest = n
        while rest > 0 {
            bytes.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    /// SubjectPublicKeyInfo with an algorithm that has no parameters.
    static func spki(algorithm: [UInt8], publicKey: [UInt8]) -> [UInt8] {
        element(0x30, element(0x30, algorithm) + element(0x03, [0] + publicKey))
    }

    /// OneAsymmetricKey (PKCS#8 v1) holding `privateKey` as an OCTET STRING, as RFC 8410 does.
    static func pkcs8(algorithm: [UInt8], privateKey: [UInt8]) -> [UInt8] {
        element(0x30, [0x02, 0x01, 0x00] + element(0x30, algorithm) + element(0x04, element(0x04, privateKey)))
    }

    /// The 32-byte seed inside an Ed25519 PKCS#8 document, or nil.
    static func ed25519Seed(pkcs8 der: [UInt8]) -> [UInt8]? {
        let prefix = pkcs8(algorithm: ed25519, privateKey: [UInt8](repeating: 0, count: 32)).dropLast(32)
        guard der.count == prefix.count + 32, der.starts(with: prefix) else { return nil }
        return Array(der.suffix(32))
    }
}
