public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Plaintext secret bytes (key material, data keys, plaintexts) held in memory that is zeroed
/// when the last reference goes, so freed memory does not keep them: the seed's memory scrubbing.
public final class SecretBytes: @unchecked Sendable {
    private let buffer: UnsafeMutableRawBufferPointer

    public init(_ bytes: some DataProtocol) {
        buffer = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.copyBytes(to: buffer)
        count = bytes.count
    }

    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        buffer = .allocate(byteCount: max(count, 1), alignment: 16)
        self.count = count
        fill(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]))
    }

    public let count: Int

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }

    /// A copy as an array; the caller must `Zeroize.array` it when done.
    public func copyBytes() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    deinit {
        Zeroize.memory(buffer)
        buffer.deallocate()
    }
}

/// Zeroing that the optimizer may not drop.
public enum Zeroize {
    public static func memory(_ pointer: UnsafeMutableRawBufferPointer) {
        guard let base = pointer.baseAddress, pointer.count > 0 else { return }
        #if canImport(Darwin)
            _ = memset_s(base, pointer.count, 0, pointer.count)
        #else
            explicit_bzero(base, pointer.count)
        #endif
    }

    /// Zeroes an array's storage in place (best effort: copies made earlier are not reached).
    public static func array(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { memory($0) }
    }

    /// Zeroes an optional array's storage in place. Binding it first (`if var b = optional`)
    /// would make a second reference, so the scrub would copy the storage and zero the copy,
    /// leaving the original to be freed with the secret in it.
    public static func optional(_ bytes: inout [UInt8]?) {
        _ = bytes?.withUnsafeMutableBytes { memory($0) }
    }

    /// The first `count` bytes of a scratch buffer, as a new array; the scratch is zeroed.
    public static func prefix(_ scratch: inout [UInt8], count: Int) -> [UInt8] {
        defer { array(&scratch) }
        return Array(scratch[..<min(count, scratch.count)])
    }
}
