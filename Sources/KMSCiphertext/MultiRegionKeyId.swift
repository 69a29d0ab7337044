import AWSProtocol

/// The key ids of multi-Region keys: `mrk-` and 32 hexadecimal digits, as AWS's. A version-2
/// ciphertext blob holds the 16 bytes those digits spell.
public enum MultiRegionKeyId {
    /// Whether `text` is a multi-Region key id.
    public static func isValid(_ text: String) -> Bool {
        let utf8 = text.utf8
        return utf8.count == 36 && text.hasPrefix("mrk-") && utf8.dropFirst(4).allSatisfy(isHexDigit)
    }

    /// A multi-Region key id from 16 (random) bytes.
    public static func make(randomBytes: [UInt8]) -> String {
        "mrk-" + Hex.encode(randomBytes)
    }

    static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
    }
}
