import Foundation

/// Base64 as AWS blobs use it (standard alphabet, padded).
public enum Base64 {
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    public static func decode(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text).map { [UInt8]($0) }
    }

    /// The decoded length of a valid base64 string, without decoding it; nil if invalid.
    public static func decodedCount(_ text: String) -> Int? {
        let utf8 = text.utf8
        guard utf8.count % 4 == 0 else { return nil }
        var padding = 0
        var index = 0
        for b in utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                if padding > 0 { return nil }
            case UInt8(ascii: "="):
                padding += 1
                if padding > 2 || index < utf8.count - 2 { return nil }
            default:
                return nil
            }
            index += 1
        }
        return utf8.count / 4 * 3 - padding
    }
}
