public import Foundation
import RampartCore

/// CloudTrail event ids: UUIDs as AWS writes them (lowercase 8-4-4-4-12 hex), laid out as
/// version 7 (RFC 9562): 48 bits of milliseconds, then random bits. Ids made later sort later,
/// so the store's index on them grows at its end instead of at random places.
public enum EventID {
    public static func make(at date: Date = Date()) -> String {
        withUnsafeTemporaryAllocation(byteCount: 16, alignment: 1) { bytes in
            let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
            for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
            SecureRandom.fillIdentifier(UnsafeMutableRawBufferPointer(rebasing: bytes[6...]))
            bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
            bytes[8] = 0x80 | (bytes[8] & 0x3F)  // RFC 9562 variant
            return UUIDText.format(UnsafeRawBufferPointer(bytes))
        }
    }
}
