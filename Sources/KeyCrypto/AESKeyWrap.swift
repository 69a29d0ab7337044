import CKeyCrypto
import KeyVault

/// AES key wrap with padding (RFC 5649), as KMS's RSA_AES_KEY_WRAP import algorithms use it.
public enum AESKeyWrap {
    public static func wrap(_ plaintext: [UInt8], key: [UInt8]) throws(KeyCryptoError) -> [UInt8] {
        try run(plaintext, key: key, kc_aes_wrap_pad)
    }

    /// The unwrapped bytes; `invalidInput` when the integrity check fails. The caller zeroes them.
    public static func unwrap(_ wrapped: [UInt8], key: [UInt8]) throws(KeyCryptoError) -> [UInt8] {
        try run(wrapped, key: key, kc_aes_unwrap_pad)
    }

    private static func run(
        _ input: [UInt8], key: [UInt8],
        _ body: (UnsafePointer<UInt8>?, Int, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?)
            -> Int32
    ) throws(KeyCryptoError) -> [UInt8] {
        guard [16, 24, 32].contains(key.count) else { throw .invalidKey }
        var out = [UInt8](repeating: 0, count: input.count + 16)
        defer { Zeroize.array(&out) }
        var length = out.count
        let ok = withBytes(key) { k in
            withBytes(input) { i in body(k.baseAddress, k.count, i.baseAddress, i.count, &out, &length) }
        }
        guard ok == 1 else { throw .invalidInput }
        return Array(out[..<length])
    }
}
