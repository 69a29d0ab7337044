/// A minimal JSON tree preserving object member order and the raw text of numbers,
/// which is what policy documents need (numbers and booleans become condition value strings).
enum PolicyJSON: Sendable, Equatable {
    case object([(key: String, value: PolicyJSON)])
    case array([PolicyJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: PolicyJSON, rhs: PolicyJSON) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let a), .array(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }
}

/// Errors raised by `PolicyJSONParser`; mapped to `PolicyError.invalidJSON` by the policy parser.
enum PolicyJSONError: Error, Equatable {
    case syntax(offset: Int)
    case duplicateKey(String)
    case tooDeep
}

/// A strict RFC 8259 parser over UTF-8 bytes. Duplicate member names are rejected
/// (an ambiguous policy is a security risk). Nesting is limited to keep it stack-safe.
struct PolicyJSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private let maxDepth = 64

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    static func parse(_ text: String) throws(PolicyJSONError) -> PolicyJSON {
        var parser = PolicyJSONParser(text)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw .syntax(offset: parser.index) }
        return value
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func expect(_ byte: UInt8) throws(PolicyJSONError) {
        guard peek() == byte else { throw .syntax(offset: index) }
        index += 1
    }

    private mutating func parseValue(depth: Int) throws(PolicyJSONError) -> PolicyJSON {
        guard depth <= maxDepth else { throw .tooDeep }
        guard let byte = peek() else { throw .syntax(offset: index) }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw .syntax(offset: index)
        }
    }

    private mutating func literal(_ word: String) throws(PolicyJSONError) {
        for byte in word.utf8 { try expect(byte) }
    }

    private mutating func parseObject(depth: Int) throws(PolicyJSONError) -> PolicyJSON {
        try expect(UInt8(ascii: "{"))
        var members: [(key: String, value: PolicyJSON)] = []
        var seen = Set<String>()
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw .syntax(offset: index) }
            let key = try parseString()
            guard seen.insert(key).inserted else { throw .duplicateKey(key) }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            members.append((key, value))
            skipWhitespace()
            guard let next = peek() else { throw .syntax(offset: index) }
            index += 1
            if next == UInt8(ascii: "}") { return .object(members) }
            guard next == UInt8(ascii: ",") else { throw .syntax(offset: index - 1) }
        }
    }

    private mutating func parseArray(depth: Int) throws(PolicyJSONError) -> PolicyJSON {
        try expect(UInt8(ascii: "["))
        var items: [PolicyJSON] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard let next = peek() else { throw .syntax(offset: index) }
            index += 1
            if next == UInt8(ascii: "]") { return .array(items) }
            guard next == UInt8(ascii: ",") else { throw .syntax(offset: index - 1) }
        }
    }

    private mutating func parseNumber() throws(PolicyJSONError) -> String {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw .syntax(offset: index) }
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            while let b = peek(), isDigit(b) { index += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let b = peek(), isDigit(b) else { throw .syntax(offset: index) }
            while let b = peek(), isDigit(b) { index += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let b = peek(), isDigit(b) else { throw .syntax(offset: index) }
            while let b = peek(), isDigit(b) { index += 1 }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func parseString() throws(PolicyJSONError) -> String {
        try expect(UInt8(ascii: "\""))
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else { throw .syntax(offset: index) }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let esc = peek() else { throw .syntax(offset: index) }
                index += 1
                switch esc {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard peek() == UInt8(ascii: "\\") else { throw .syntax(offset: index) }
                        index += 1
                        try expect(UInt8(ascii: "u"))
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw .syntax(offset: index) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw .syntax(offset: index)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw .syntax(offset: index) }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw .syntax(offset: index - 1)
                }
            case 0x00..<0x20:
                throw .syntax(offset: index - 1)
            default:
                out.append(byte)
            }
        }
    }

    private mutating func parseHex4() throws(PolicyJSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let b = peek() else { throw .syntax(offset: index) }
            index += 1
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw .syntax(offset: index - 1)
            }
            value = value << 4 | digit
        }
        return value
    }
}
