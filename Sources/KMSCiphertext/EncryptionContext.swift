/// An encryption context: non-secret key/value pairs bound to a ciphertext as additional
/// authenticated data; decryption needs the same pairs.
public struct EncryptionContext: Sendable, Hashable {
    public var pairs: [String: String]

    public init(_ pairs: [String: String] = [:]) {
        self.pairs = pairs
    }

    public var isEmpty: Bool { pairs.isEmpty }

    /// The canonical, unambiguous encoding bound into ciphertexts: the pair count, then each
    /// pair sorted by the key's UTF-8 bytes, every string prefixed with its byte length (all
    /// big-endian UInt32). `{"ab":"c"}` and `{"a":"bc"}` encode differently, unlike encodings
    /// that concatenate keys and values.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        append(UInt32(pairs.count), to: &out)
        let sorted = pairs.map { (Array($0.key.utf8), Array($0.value.utf8)) }
            .sorted { $0.0.lexicographicallyPrecedes($1.0) }
        for (key, value) in sorted {
            append(UInt32(key.count), to: &out)
            out.append(contentsOf: key)
            append(UInt32(value.count), to: &out)
            out.append(contentsOf: value)
        }
        return out
    }

    private func append(_ n: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: n >> 24))
        out.append(UInt8(truncatingIfNeeded: n >> 16))
        out.append(UInt8(truncatingIfNeeded: n >> 8))
        out.append(UInt8(truncatingIfNeeded: n))
    }
}
