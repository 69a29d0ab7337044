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

    /// The parameters of `query`, percent-decoded (`+` as a space), in order.
    static func decodedParameters(_ query: String) -> [(name: String, value: String)] {
        query.withContiguousUTF8 { raw in
            var parameters: [(name: String, value: String)] = []
            forEachPair(raw) { name, value in
                parameters.append((PercentEncoding.decodedString(raw, name), PercentEncoding.decodedString(raw, value)))
            }
            return parameters
        }
    }
}
