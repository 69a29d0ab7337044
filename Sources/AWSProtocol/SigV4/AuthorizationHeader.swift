/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`
/// header, found in one pass over its bytes. Components may come in any order, with or without
/// spaces after the commas; the first of a repeated component wins; unknown ones are ignored.
struct AuthorizationHeader {
    /// Whether the scheme is `AWS4-HMAC-SHA256`; the components are read only then.
    private(set) var isSigV4 = false
    private(set) var credential: String?
    private(set) var signedHeaders: String?
    private(set) var signature: String?
    /// The first component without `=`, which makes the header malformed.
    private(set) var malformedComponent: String?

    init(_ header: String) {
        self = header.withContiguousUTF8 { Self(bytes: $0) }
    }

    private init(bytes b: UnsafeBufferPointer<UInt8>) {
        var start = 0
        var end = b.count
        while start < end, Self.isBlank(b[start]) { start += 1 }
        while end > start, Self.isBlank(b[end - 1]) { end -= 1 }
        var schemeEnd = start
        while schemeEnd < end, !Self.isBlank(b[schemeEnd]) { schemeEnd += 1 }
        isSigV4 = Self.bytes(b, start..<schemeEnd, equal: SigV4.algorithm)
        guard isSigV4 else { return }

        var componentStart = schemeEnd
        while componentStart < end {
            var componentEnd = componentStart
            while componentEnd < end, b[componentEnd] != UInt8(ascii: ",") { componentEnd += 1 }
            var first = componentStart
            var last = componentEnd
            while first < last, Self.isBlank(b[first]) { first += 1 }
            while last > first, Self.isBlank(b[last - 1]) { last -= 1 }
            if first < last {
                var equals = first
                while equals < last, b[equals] != UInt8(ascii: "=") { equals += 1 }
                guard equals < last else {
                    malformedComponent = Self.string(b, first..<last)
                    return
                }
                let key = first..<equals
                let value = (equals + 1)..<last
                if credential == nil, Self.bytes(b, key, equal: "Credential") {
                    credential = Self.string(b, value)
                } else if signedHeaders == nil, Self.bytes(b, key, equal: "SignedHeaders") {
                    signedHeaders = Self.string(b, value)
                } else if signature == nil, Self.bytes(b, key, equal: "Signature") {
                    signature = Self.string(b, value)
                }
            }
            componentStart = componentEnd + 1
        }
    }

    @inline(__always)
    private static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    @inline(__always)
    private static func bytes(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, equal text: String) -> Bool {
        range.count == text.utf8.count && UnsafeBufferPointer(rebasing: b[range]).elementsEqual(text.utf8)
    }

    @inline(__always)
    static func string(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self)
    }
}
