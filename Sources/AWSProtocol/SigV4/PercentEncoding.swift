/// RFC 3986 percent-encoding over UTF-8 bytes, as SigV4 canonicalization uses it.
enum PercentEncoding {
    /// Whether `byte` is in RFC 3986's unreserved set, `A–Z a–z 0–9 - . _ ~`, which is never escaped.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Appends `byte`, escaped as `%XX` (uppercase hex) unless it is unreserved.
    @inline(__always)
    static func appendEncoded(_ byte: UInt8, to out: inout [UInt8]) {
        if isUnreserved(byte) {
            out.append(byte)
        } else {
            out.append(UInt8(ascii: "%"))
            out.append(Hex.upperDigit(byte >> 4))
            out.append(Hex.upperDigit(byte))
        }
    }

    /// Appends the bytes of `raw[range]` decoded and encoded again: `%XX` escapes are decoded
    /// (a malformed escape stays a literal `%`), `+` is read as a space as form decoding reads it,
    /// then every byte but the unreserved set is escaped.
    static func appendReencoded(_ raw: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to out: inout [UInt8]) {
        forEachDecodedByte(raw, range) { appendEncoded($0, to: &out) }
    }

    /// The bytes of `raw[range]` percent-decoded (`+` as a space), as a string.
    static func decodedString(_ raw: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(range.count)
        forEachDecodedByte(raw, range) { bytes.append($0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    private static func forEachDecodedByte(
        _ raw: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (UInt8) -> Void
    ) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let byte = raw[i]
            if byte == UInt8(ascii: "%"), end - i >= 3, let high = Hex.value(raw[i + 1]), let low = Hex.value(raw[i + 2]) {
                body(high << 4 | low)
                i += 3
            } else {
                body(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                i += 1
            }
        }
    }
}

extension String {
    /// Calls `body` with the string's UTF-8 bytes in contiguous memory, copying only when the
    /// string is not stored contiguously already (bridged strings).
    @inline(__always)
    func withContiguousUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return copy.withUTF8(body)
    }
}
