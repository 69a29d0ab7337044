import CSystemRandom
import Glibc
import Synchronization

/// Random bytes from the kernel's CSPRNG (`getrandom`, which needs no file descriptor).
public enum SecureRandom {
    /// `count` bytes in one call: for key material, tokens and anything secret.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }

    /// Fills `buffer` straight from the kernel.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            let n = getrandom(buffer.baseAddress! + offset, buffer.count - offset, 0)
            if n > 0 {
                offset += n
            } else if n < 0 && errno != EINTR {
                // getrandom fails only for bad arguments or before the pool is seeded at boot.
                fatalError("getrandom failed: errno \(errno)")
            }
        }
    }

    /// Fills `buffer` for identifiers (request, event and key ids): unpredictable, but drawn from
    /// a pool refilled 4 KiB at a time, not a system call per id.
    public static func fillIdentifier(_ buffer: UnsafeMutableRawBufferPointer) {
        pool.withLock { $0.take(into: buffer) }
    }

    /// Fills `buffer` for nonces (AES-GCM's 96-bit nonce of every Encrypt and GenerateDataKey):
    /// they must never repeat, and need not be secret, so they come from the same pool as ids.
    /// Each pool byte is handed out once; the process never forks a child that keeps running
    /// Swift code, so no copy of the pool is drawn from twice.
    public static func fillNonce(_ buffer: UnsafeMutableRawBufferPointer) {
        pool.withLock { $0.take(into: buffer) }
    }

    private static let pool = Mutex(Pool())

    private struct Pool: ~Copyable {
        static let size = 4096
        var bytes = [UInt8](repeating: 0, count: Pool.size)
        var used = Pool.size

        mutating func take(into buffer: UnsafeMutableRawBufferPointer) {
            var offset = 0
            while offset < buffer.count {
                if used == Pool.size {
                    bytes.withUnsafeMutableBytes { SecureRandom.fill($0) }
                    used = 0
                }
                let n = min(buffer.count - offset, Pool.size - used)
                bytes.withUnsafeBytes {
                    (buffer.baseAddress! + offset).copyMemory(from: $0.baseAddress! + used, byteCount: n)
                }
                used += n
                offset += n
            }
        }
    }
}
