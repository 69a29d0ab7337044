/// UUIDs as AWS writes them (lowercase 8-4-4-4-12 hex), from the kernel's random source via
/// `SecureRandom` (Foundation's `UUID()` reads /dev/urandom, and answers all zeros when the
/// process has no file descriptor left).
public enum UUIDText {
    /// A random (version 4) UUID.
    public static func random() -> String {
        withUnsafeTemporaryAllocation(byteCount: 16, alignment: 1) { bytes in
            SecureRandom.fillIdentifier(bytes)
            bytes[6] = 0x40 | (bytes[6] & 0x0F)
            bytes[8] = 0x80 | (bytes[8] & 0x3F)
            return format(UnsafeRawBufferPointer(bytes))
        }
    }

    /// Sixteen bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    public static func format(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { format($0) }
    }

    /// Sixteen bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, written straight into the
    /// string's storage (this runs several times a request).
    public static func format(_ bytes: UnsafeRawBufferPointer) -> String {
        precondition(bytes.count == 16)
        return String(unsafeUninitializedCapacity: 36) { out in
            var n = 0
            for i in 0..<16 {
                if i == 4 || i == 6 || i == 8 || i == 10 {
                    out[n] = UInt8(ascii: "-")
                    n += 1
                }
                out[n] = hexDigit(bytes[i] >> 4)
                out[n + 1] = hexDigit(bytes[i] & 0xF)
                n += 2
            }
            return n
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
