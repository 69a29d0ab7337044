import Foundation

/// An IPv4 or IPv6 address as raw bytes (4 or 16).
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8]

    /// Whether this is an IPv4 address.
    public var isIPv4: Bool { bytes.count == 4 }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and an embedded IPv4 tail).
    public init?(_ text: String) {
        if text.contains(":") {
            guard let b = IPAddress.parseIPv6(Substring(text)) else { return nil }
            bytes = b
        } else {
            guard let b = IPAddress.parseIPv4(Substring(text)) else { return nil }
            bytes = b
        }
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), else `nil`.
    var unmappedIPv4: IPAddress? {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF
        else { return nil }
        return IPAddress(bytes: Array(bytes[12..<16]))
    }

    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2)
            .map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                let n = UInt8(part)
            else { return nil }
            out.append(n)
        }
        return out
    }

    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }

        func groups(_ part: String, allowIPv4Tail: Bool) -> [UInt8]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt8] = []
            for (i, piece) in pieces.enumerated() {
                if piece.contains(".") {
                    guard allowIPv4Tail, i == pieces.count - 1, let v4 = parseIPv4(piece) else { return nil }
                    out += v4
                    continue
                }
                guard (1...4).contains(piece.count), let n = UInt16(piece, radix: 16),
                    piece.allSatisfy({ $0.isHexDigit })
                else { return nil }
                out += [UInt8(n >> 8), UInt8(n & 0xFF)]
            }
            return out
        }

        if halves.count == 1 {
            guard let all = groups(halves[0], allowIPv4Tail: true), all.count == 16 else { return nil }
            return all
        }
        guard let head = groups(halves[0], allowIPv4Tail: false),
            let tail = groups(halves[1], allowIPv4Tail: true),
            head.count + tail.count <= 14
        else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

/// A CIDR block (`10.0.0.0/8`, `2001:db8::/32`); a bare address is a /32 or /128.
public struct IPAddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The network address as written (host bits are ignored when matching).
    public var address: IPAddress
    /// The prefix length in bits.
    public var prefixLength: Int

    /// Parses CIDR notation or a bare address.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPAddress(String(parts[0])) else { return nil }
        let maxBits = address.bytes.count * 8
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                let bits = Int(parts[1]), bits <= maxBits
            else { return nil }
            prefixLength = bits
        } else {
            prefixLength = maxBits
        }
        self.address = address
    }

    /// Whether `candidate` lies in this block. IPv4-mapped IPv6 addresses are compared as IPv4.
    public func contains(_ candidate: IPAddress) -> Bool {
        var candidate = candidate
        var network = address
        if let v4 = candidate.unmappedIPv4, network.isIPv4 { candidate = v4 }
        if let v4 = network.unmappedIPv4, candidate.isIPv4 {
            network = v4
            return IPAddressRange.prefixMatches(network.bytes, candidate.bytes, bits: max(0, prefixLength - 96))
        }
        guard candidate.bytes.count == network.bytes.count else { return false }
        return IPAddressRange.prefixMatches(network.bytes, candidate.bytes, bits: prefixLength)
    }

    /// Whether the text address lies in this block (`false` if it does not parse).
    public func contains(_ candidate: String) -> Bool {
        guard let ip = IPAddress(candidate) else { return false }
        return contains(ip)
    }

    static func prefixMatches(_ a: [UInt8], _ b: [UInt8], bits: Int) -> Bool {
        var remaining = bits
        var i = 0
        while remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : UInt8(0xFF) << UInt8(8 - remaining)
            if a[i] & mask != b[i] & mask { return false }
            remaining -= 8
            i += 1
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
