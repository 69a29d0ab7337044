import CKeyCrypto

/// HMAC (RFC 2104) with a SHA-2 hash, through OpenSSL, which has SHA-224 where swift-crypto
/// does not.
public enum MAC {
    public static func hmac(_ hash: HashFunction, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        var length = out.count
        let ok = withBytes(key) { k in
            withBytes(message) { m in
                kc_hmac(hash.code, k.baseAddress, k.count, m.baseAddress, m.count, &out, &length)
            }
        }
        precondition(ok == 1, "HMAC with a SHA-2 digest cannot fail")
        return Array(out[..<length])
    }
}
