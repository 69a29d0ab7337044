/// A raw query string's `name=value` pairs, found without copying or decoding.
enum QueryString {
    /// Calls `body` with the name and value ranges of each `&`-separated pair of `raw`, in
    /// order. Empty pairs (`a=1&&b=2`, a trailing `&`) are skipped; a pair without `=` has an
    /// empty value.
    @inline(__always)
    static func forEachPair(_ raw: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>, Range<Int>) -> Void) {
        var start = 0
        while start < raw.count {
            var end = start
            var equals = -1
            while end < raw.count, raw[end] != UInt8(ascii: "&") {
                if equals < 0, raw[end] == UInt8(ascii: "=") { equals = end }
                end += 1
            }
            if end > start {
                if equals < 0 {
                    body(start..<end, end..<end)
                } else {
                    body(start..<equals, (equals + 1)..<end)
                }
            }
            start = end + 1
        }
    }
}

/// The SigV4 parameters of a presigned URL's query string, percent-decoded. Read in one pass
/// that decodes only the names, so a query without them costs no allocation per parameter.
/// The first occurrence of a parameter wins.
struct PresignedParameters {
    var algorithm: String?
    var credential: String?
    var date: String?
    var signedHeaders: String?
    var signature: String?
    var expires: String?
    var securityToken: String?
    /// `X-Amz-Content-Sha256` (`Content-Sha256` matched in any case).
    var contentSHA256: String?

    /// Whether the query carries a presigned signature (any of the parameters that only
    /// presigned URLs use).
    var isPresigned: Bool { algorithm != nil || credential != nil || signature != nil || signedHeaders != nil }

    /// Reads the parameters of `query`; with `onlyContentSHA256`, only `X-Amz-Content-Sha256`.
    init(query: String, onlyContentSHA256: Bool = false) {
        guard !query.isEmpty else { return }
        query.withContiguousUTF8 { raw in
            var scratch: [UInt8] = []
            QueryString.forEachPair(raw) { nameRange, valueRange in
                // Decoded, the names are 10 to 20 bytes and start with "X-Amz-"; most others stop here.
                guard nameRange.count >= 10, nameRange.count <= 3 * 20 else { return }
                let first = raw[nameRange.lowerBound]
                guard first == UInt8(ascii: "X") || first == UInt8(ascii: "%") else { return }
                if UnsafeBufferPointer(rebasing: raw[nameRange]).contains(where: {
                    $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+")
                }) {
                    scratch.removeAll(keepingCapacity: true)
                    PercentEncoding.appendDecoded(raw, nameRange, to: &scratch)
                    scratch.withUnsafeBufferPointer {
                        take(name: $0, raw: raw, value: valueRange, onlyContentSHA256: onlyContentSHA256)
                    }
                } else {
                    take(
                        name: UnsafeBufferPointer(rebasing: raw[nameRange]), raw: raw, value: valueRange,
                        onlyContentSHA256: onlyContentSHA256)
                }
            }
        }
    }

    /// Stores the decoded value of `raw[value]` if `name` is one of the parameters and the first of its name.
    private mutating func take(
        name: UnsafeBufferPointer<UInt8>, raw: UnsafeBufferPointer<UInt8>, value: Range<Int>, onlyContentSHA256: Bool
    ) {
        guard name.count > Self.prefix.utf8.count,
            UnsafeBufferPointer(rebasing: name[..<Self.prefix.utf8.count]).elementsEqual(Self.prefix.utf8)
        else { return }
        let rest = UnsafeBufferPointer(rebasing: name[Self.prefix.utf8.count...])
        func store(_ field: inout String?) {
            if field == nil { field = PercentEncoding.decodedString(raw, value) }
        }
        if onlyContentSHA256 {
            if rest.count == 14, Self.isContentSHA256(rest) { store(&contentSHA256) }
            return
        }
        switch rest.count {
        case 4 where rest.elementsEqual("Date".utf8): store(&date)
        case 7 where rest.elementsEqual("Expires".utf8): store(&expires)
        case 9 where rest.elementsEqual("Algorithm".utf8): store(&algorithm)
        case 9 where rest.elementsEqual("Signature".utf8): store(&signature)
        case 10 where rest.elementsEqual("Credential".utf8): store(&credential)
        case 13 where rest.elementsEqual("SignedHeaders".utf8): store(&signedHeaders)
        case 14 where rest.elementsEqual("Security-Token".utf8): store(&securityToken)
        case 14 where Self.isContentSHA256(rest): store(&contentSHA256)
        default: break
        }
    }

    /// `Content-Sha256` in any case.
    private static func isContentSHA256(_ rest: UnsafeBufferPointer<UInt8>) -> Bool {
        rest.lazy.map { $0 &- UInt8(ascii: "A") < 26 ? $0 | 0x20 : $0 }.elementsEqual("content-sha256".utf8)
    }

    private static let prefix = "X-Amz-"
}
