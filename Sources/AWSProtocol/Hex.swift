import Crypto
public import Foundation

/// Hexadecimal: lowercase for hashes, signatures and ids, uppercase for percent-escapes. The
/// one hex codec of the project.
public enum Hex {
    private static let lowerDigits: StaticString = "0123456789abcdef"
    private static let upperDigits: StaticString = "0123456789ABCDEF"

    /// The lowercase digit for a nibble (0...15).
    @inline(__always)
    static func lowerDigit(_ nibble: UInt8) -> UInt8 { lowerDigits.utf8Start[Int(nibble & 0x0F)] }

    /// The uppercase digit for a nibble (0...15).
    @inline(__always)
    static func upperDigit(_ nibble: UInt8) -> UInt8 { upperDigits.utf8Start[Int(nibble & 0x0F)] }

    /// Appends `bytes` as lowercase hex.
    static func appendLowercase(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(lowerDigit(byte >> 4))
            out.append(lowerDigit(byte))
        }
    }

    /// `bytes` as a lowercase hex string.
    static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendLowercase(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The value of a hex digit of either case, or nil.
    @inline(__always)
    static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }

    /// Decodes exactly `byteCount` bytes written as lowercase hex (as SigV4 writes signatures);
    /// nil for any other length, an uppercase digit or a non-digit.
    static func decodeLowercase(_ text: String, byteCount: Int) -> [UInt8]? {
        guard text.utf8.count == byteCount * 2 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(byteCount)
        var high: UInt8 = 0
        var isHigh = true
        for digit in text.utf8 {
            let nibble: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit &- UInt8(ascii: "a") &+ 10
            default: return nil
            }
            if isHigh {
                high = nibble << 4
            } else {
                out.append(high | nibble)
            }
            isHigh.toggle()
        }
        return out
    }

    /// `bytes` as lowercase hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String { lowercase(bytes) }

    /// The bytes of a hex string of either case; nil if it is not hex.
    public static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = value(digits[i]), let lo = value(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// The SHA-256 of `bytes` in lowercase hex.
    public static func sha256(_ bytes: some DataProtocol) -> String {
        lowercase(SHA256.hash(data: bytes))
    }
}
