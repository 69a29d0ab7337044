import AWSProtocol

/// A leaf value of an event (or a pattern's exact value) as the matchers compare it: numbers by
/// value, so `300`, `300.0` and `3.0e2` are one number.
enum Scalar: Hashable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    /// nil for arrays and objects, which are not leaves.
    @inline(__always)
    init?(_ value: JSONValue) {
        switch value {
        case .string(let s): self = .string(s)
        case .int(let i): self = .number(Double(i))
        case .double(let d): self = .number(d == 0 ? 0 : d)
        case .bool(let b): self = .bool(b)
        case .null: self = .null
        case .array, .object: return nil
        }
    }
}

/// One entry of a field's array in a pattern, other than an exact value (those are kept in a
/// set, see `LeafTest`).
enum Matcher: Sendable {
    case prefix(String)
    /// Stored lowercased.
    case prefixIgnoringCase(String)
    case suffix(String)
    case suffixIgnoringCase(String)
    case equalsIgnoreCase(String)
    case wildcard(Wildcard)
    case numeric(NumericRange)
    case cidr(CIDRBlock)
    case exists(Bool)
    case anythingBut(AnythingBut)

    /// Whether one leaf value satisfies this matcher (`exists` is decided on the whole field, not
    /// here).
    func matches(_ value: JSONValue) -> Bool {
        switch self {
        case .prefix(let p):
            guard case .string(let s) = value else { return false }
            return s.utf8.starts(with: p.utf8)
        case .prefixIgnoringCase(let p):
            guard case .string(let s) = value else { return false }
            return s.lowercased().utf8.starts(with: p.utf8)
        case .suffix(let p):
            guard case .string(let s) = value else { return false }
            return s.utf8.reversed().starts(with: p.utf8.reversed())
        case .suffixIgnoringCase(let p):
            guard case .string(let s) = value else { return false }
            return s.lowercased().utf8.reversed().starts(with: p.utf8.reversed())
        case .equalsIgnoreCase(let p):
            guard case .string(let s) = value else { return false }
            return s.lowercased() == p
        case .wildcard(let w):
            guard case .string(let s) = value else { return false }
            return w.matches(s)
        case .numeric(let range):
            switch value {
            case .int(let i): return range.contains(Double(i))
            case .double(let d): return range.contains(d)
            default: return false
            }
        case .cidr(let block):
            guard case .string(let s) = value else { return false }
            return block.contains(s)
        case .exists:
            return true
        case .anythingBut(let but):
            return but.allows(value)
        }
    }
}

/// `anything-but`: a leaf matches when it is not one of the values, or does not satisfy the inner
/// operator. Like every matcher but `exists`, it needs a value: a missing field never matches.
enum AnythingBut: Sendable {
    case values(Set<Scalar>)
    /// Stored lowercased.
    case equalsIgnoreCase(Set<String>)
    case prefixes([String])
    case suffixes([String])
    case wildcards([Wildcard])

    func allows(_ value: JSONValue) -> Bool {
        switch self {
        case .values(let excluded):
            guard let scalar = Scalar(value) else { return false }
            return !excluded.contains(scalar)
        case .equalsIgnoreCase(let excluded):
            guard case .string(let s) = value else { return true }
            return !excluded.contains(s.lowercased())
        case .prefixes(let prefixes):
            guard case .string(let s) = value else { return true }
            return !prefixes.contains { s.utf8.starts(with: $0.utf8) }
        case .suffixes(let suffixes):
            guard case .string(let s) = value else { return true }
            return !suffixes.contains { s.utf8.reversed().starts(with: $0.utf8.reversed()) }
        case .wildcards(let wildcards):
            guard case .string(let s) = value else { return true }
            return !wildcards.contains { $0.matches(s) }
        }
    }
}

/// `numeric`: an interval with optional, open or closed, bounds; `=` is `[x, x]`.
struct NumericRange: Sendable, Equatable {
    var lower: Double?
    var lowerOpen = false
    var upper: Double?
    var upperOpen = false

    func contains(_ x: Double) -> Bool {
        if let lower {
            if lowerOpen ? !(x > lower) : !(x >= lower) { return false }
        }
        if let upper {
            if upperOpen ? !(x < upper) : !(x <= upper) { return false }
        }
        return true
    }

    /// event-ruler's `ComparableNumber` range: numbers in patterns must lie in [-5e9, 5e9].
    static let limit = 5.0e9
}

/// `cidr`: an IPv4 or IPv6 block. An event value matches when it is an address of the same
/// family inside the block.
struct CIDRBlock: Sendable, Equatable {
    var address: [UInt8]
    var prefixLength: Int

    func contains(_ text: String) -> Bool {
        guard let candidate = IPAddress.parse(text), candidate.count == address.count else { return false }
        var bits = prefixLength
        var i = 0
        while bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if candidate[i] & mask != address[i] & mask { return false }
            bits -= 8
            i += 1
        }
        return true
    }
}

/// Textual IP addresses to bytes: dotted-quad IPv4 (4 bytes) and RFC 4291 IPv6 (16 bytes), with
/// `::` and an optional dotted IPv4 tail.
enum IPAddress {
    static func parse(_ text: String) -> [UInt8]? {
        if text.utf8.contains(UInt8(ascii: ":")) { return parseIPv6(Substring(text)) }
        return parseIPv4(Substring(text))
    }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4)
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let n = Int(part), n <= 255
            else { return nil }
            bytes.append(UInt8(n))
        }
        return bytes
    }

    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        // Split at the one `::` an address may have.
        let u = Array(text.utf8)
        var gap: Int?
        var i = 0
        while i + 1 < u.count {
            if u[i] == UInt8(ascii: ":"), u[i + 1] == UInt8(ascii: ":") {
                guard gap == nil else { return nil }
                gap = i
                i += 2
            } else {
                i += 1
            }
        }
        let headText = gap.map { String(decoding: u[..<$0], as: UTF8.self) } ?? String(text)
        let tailText = gap.map { String(decoding: u[($0 + 2)...], as: UTF8.self) } ?? ""
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var ipv4Tail: [UInt8] = []
        func groups(_ s: String, allowIPv4Tail: Bool, into out: inout [UInt16], ipv4: inout [UInt8]) -> Bool {
            if s.isEmpty { return true }
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (n, part) in parts.enumerated() {
                if allowIPv4Tail, n == parts.count - 1, part.contains(".") {
                    guard let v4 = parseIPv4(part) else { return false }
                    ipv4 = v4
                    continue
                }
                guard (1...4).contains(part.utf8.count), let value = UInt16(part, radix: 16) else { return false }
                out.append(value)
            }
            return true
        }
        var unused: [UInt8] = []
        if gap == nil {
            guard groups(headText, allowIPv4Tail: true, into: &head, ipv4: &ipv4Tail) else { return nil }
        } else {
            guard groups(headText, allowIPv4Tail: false, into: &head, ipv4: &unused),
                groups(tailText, allowIPv4Tail: true, into: &tail, ipv4: &ipv4Tail)
            else { return nil }
        }
        let total = head.count + tail.count + ipv4Tail.count / 2
        if gap != nil {
            guard total < 8 else { return nil }
        } else {
            guard total == 8 else { return nil }
        }
        var words = head
        if gap != nil { words += [UInt16](repeating: 0, count: 8 - total) }
        words += tail
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for word in words {
            bytes.append(UInt8(word >> 8))
            bytes.append(UInt8(word & 0xFF))
        }
        bytes += ipv4Tail
        return bytes.count == 16 ? bytes : nil
    }
}

/// `wildcard`: `*` stands for any run of characters (possibly none); `\*` is a literal star and
/// `\\` a literal backslash.
struct Wildcard: Sendable, Equatable {
    /// The literal pieces between wildcards, as UTF-8.
    var pieces: [[UInt8]]
    var leadingStar: Bool
    var trailingStar: Bool

    enum ParseError: Error {
        case consecutiveWildcards(position: Int)
        case invalidEscape(position: Int)
    }

    /// Parses a wildcard pattern. Positions in errors count UTF-8 bytes from 1, as event-ruler
    /// does (it counts in the quoted string, whose first byte is the quote).
    init(_ text: String) throws(ParseError) {
        let bytes = Array(text.utf8)
        var pieces: [[UInt8]] = []
        var current: [UInt8] = []
        var leading = false
        var trailing = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "*") {
                if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                    throw .consecutiveWildcards(position: i + 1)
                }
                if i == 0 { leading = true } else { pieces.append(current) }
                current = []
                if i == bytes.count - 1 { trailing = true }
                i += 1
            } else if b == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") || bytes[i + 1] == UInt8(ascii: "\\") else {
                    throw .invalidEscape(position: i + 1)
                }
                current.append(bytes[i + 1])
                i += 2
            } else {
                current.append(b)
                i += 1
            }
        }
        if !trailing { pieces.append(current) }
        self.pieces = pieces
        self.leadingStar = leading
        self.trailingStar = trailing
    }

    func matches(_ text: String) -> Bool {
        let s = Array(text.utf8)
        var pieces = self.pieces[...]
        var from = 0
        var end = s.count
        if !leadingStar {
            guard let first = pieces.first else { return s.isEmpty }
            guard s.starts(with: first) else { return false }
            from = first.count
            pieces = pieces.dropFirst()
            if pieces.isEmpty && !trailingStar { return from == s.count }
        }
        if !trailingStar {
            guard let last = pieces.last else { return true }
            guard end - from >= last.count, s[(end - last.count)...].elementsEqual(last) else { return false }
            end -= last.count
            pieces = pieces.dropLast()
        }
        for piece in pieces where !piece.isEmpty {
            guard let found = Self.find(piece, in: s, from: from, to: end) else { return false }
            from = found + piece.count
        }
        return from <= end
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int, to: Int) -> Int? {
        guard to - from >= needle.count else { return nil }
        var i = from
        while i + needle.count <= to {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
