/// UUIDs as AWS writes them (lowercase 8-4-4-4-12 hex), from the kernel's random source via
/// `SecureRandom` (Foundation's `UUID()` reads /dev/urandom, and answers all zeros when the
/// process has no file descriptor left).
public enum UUIDText {
    /// A random (version 4) UUID.
    public static func random() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes.withUnsafeMutableBytes { SecureRandom.fillIdentifier($0) }
        bytes[6] = 0x40 | (bytes[6] & 0x0F)
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return format(bytes)
    }

    /// Sixteen bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    public static func format(_ bytes: [UInt8]) -> String {
        precondition(bytes.count == 16)
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
