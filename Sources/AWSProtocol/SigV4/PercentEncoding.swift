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
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            // Runs of unreserved bytes, the common case, are copied as they are.
            var run = i
            while run < end, isUnreserved(raw[run]) { run += 1 }
            if run > i {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[i..<run]))
                i = run
                if i == end { break }
            }
            let (byte, length) = decodedByte(raw, at: i, end: end)
            appendEncoded(byte, to: &out)
            i += length
        }
    }

    /// Appends each byte of `raw[range]` escaped unless unreserved (Python's `quote(s, safe='~')`).
    static func appendEncoded(_ raw: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to out: inout [UInt8]) {
        var i = range.lowerBound
        while i < range.upperBound {
            var run = i
            while run < range.upperBound, isUnreserved(raw[run]) { run += 1 }
            if run > i {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[i..<run]))
                i = run
            } else {
                appendEncoded(raw[i], to: &out)
                i += 1
            }
        }
    }

    /// Appends the bytes of `raw[range]` percent-decoded (`+` as a space).
    static func appendDecoded(_ raw: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to out: inout [UInt8]) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            var run = i
            while run < end, raw[run] != UInt8(ascii: "%"), raw[run] != UInt8(ascii: "+") { run += 1 }
            if run > i {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[i..<run]))
                i = run
                if i == end { break }
            }
            let (byte, length) = decodedByte(raw, at: i, end: end)
            out.append(byte)
            i += length
        }
    }

    /// The bytes of `raw[range]` percent-decoded (`+` as a space), as a string.
    static func decodedString(_ raw: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(range.count)
        appendDecoded(raw, range, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The byte at `raw[i]` decoded, and how many bytes it took: a `%XX` escape, `+` as a space,
    /// or the byte itself (a malformed escape's `%` included).
    @inline(__always)
    private static func decodedByte(_ raw: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> (UInt8, Int) {
        let byte = raw[i]
        if byte == UInt8(ascii: "%"), end - i >= 3, let high = Hex.value(raw[i + 1]), let low = Hex.value(raw[i + 2]) {
            return (high << 4 | low, 3)
        }
        return (byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte, 1)
    }
}
