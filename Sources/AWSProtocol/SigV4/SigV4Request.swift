/// What SigV4 reads from an HTTP request, exactly as it arrived on the wire.
public struct SigV4Request: Sendable {
    /// The method, e.g. `POST`.
    public var method: String
    /// The path as received, still percent-encoded: `/`, `/a%20b`.
    public var path: String
    /// The query string as received, without `?`; empty when there is none.
    public var query: String
    /// The headers as received, in order; names in any case; a name may repeat. Must include
    /// `host` (HTTP/2 callers put `:authority` back as `host`).
    public var headers: [(name: String, value: String)]
    /// Lowercase hex SHA-256 of the body; the caller computes it.
    public var payloadSHA256: String

    /// A request as received.
    public init(method: String, path: String, query: String, headers: [(name: String, value: String)], payloadSHA256: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payloadSHA256 = payloadSHA256
    }
}

extension SigV4Request {
    /// The first value of the header `lowercasedName`, compared case-insensitively.
    func firstValue(ofHeader lowercasedName: String) -> String? {
        for header in headers where Self.nameMatches(header.name, lowercasedName) {
            return header.value
        }
        return nil
    }

    /// How many times the header `lowercasedName` occurs.
    func count(ofHeader lowercasedName: String) -> Int {
        var count = 0
        for header in headers where Self.nameMatches(header.name, lowercasedName) {
            count += 1
        }
        return count
    }

    /// Whether `name` equals `lowercasedName` ignoring ASCII case.
    @inline(__always)
    static func nameMatches(_ name: String, _ lowercasedName: String) -> Bool {
        guard name.utf8.count == lowercasedName.utf8.count else { return false }
        return name.withContiguousUTF8 { a in
            lowercasedName.withContiguousUTF8 { b in
                for i in 0..<a.count where a[i] != b[i] {
                    guard a[i] &- UInt8(ascii: "A") < 26, a[i] | 0x20 == b[i] else { return false }
                }
                return true
            }
        }
    }
}
