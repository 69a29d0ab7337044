/// The parameters of an AWS Query-protocol request (IAM, STS): the form body and the URL's
/// query string, merged, percent-decoded.
public struct QueryRequest: Sendable {
    public private(set) var parameters: [String: String] = [:]

    public init(parameters: [String: String]) {
        self.parameters = parameters
    }

    /// Decodes `application/x-www-form-urlencoded` text ('+' is a space). Later values win.
    public init(formEncoded text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(String(kv[0]), plusAsSpace: true)
            let value = kv.count > 1 ? PercentDecoding.decode(String(kv[1]), plusAsSpace: true) : ""
            parameters[name] = value
        }
    }

    public mutating func merge(_ other: QueryRequest) {
        parameters.merge(other.parameters) { mine, _ in mine }
    }

    public subscript(name: String) -> String? {
        get { parameters[name] }
        set { parameters[name] = newValue }
    }

    public var action: String? { parameters["Action"] }
    public var version: String? { parameters["Version"] }

    /// `Name.member.1`, `Name.member.2`, ... in order.
    public func list(_ name: String) -> [String] {
        var out: [String] = []
        var i = 1
        while let v = parameters["\(name).member.\(i)"] {
            out.append(v)
            i += 1
        }
        return out
    }
}

/// Percent-decoding that never fails: malformed escapes are kept as they are.
public enum PercentDecoding {
    public static func decode(_ text: String, plusAsSpace: Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var it = Array(text.utf8)[...]
        while let b = it.first {
            it = it.dropFirst()
            if b == UInt8(ascii: "+") && plusAsSpace {
                bytes.append(0x20)
            } else if b == UInt8(ascii: "%"), it.count >= 2, let hi = hexValue(it[it.startIndex]),
                let lo = hexValue(it[it.startIndex + 1])
            {
                bytes.append(hi << 4 | lo)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
