import AWSProtocol

/// A pattern or policy document as AWS's compiler reads it: members in document order, and where
/// the text came from, the place AWS's JSON parser (Jackson) would report for each token.
///
/// AWS compiles patterns with aws/event-ruler, which reads the text with a streaming Jackson
/// parser and reports a malformed pattern at the parser's current location. `JSONValue` keeps
/// neither member order nor positions, so patterns given as text are read by this small parser.
struct PatternJSON: Sendable {
    enum Kind: Sendable {
        case object([Member])
        case array([PatternJSON])
        case string(String)
        /// `text` is the number as written (Jackson's `getText()`), used in messages.
        case number(text: String, value: Double)
        case bool(Bool)
        case null
    }

    struct Member: Sendable {
        var key: String
        var value: PatternJSON
    }

    var kind: Kind
    /// Where Jackson stands once it has read this value's first token: past `{`, `[`, a whole
    /// number or literal, but only past the opening quote of a string (Jackson reads strings
    /// lazily).
    var start: SourceLocation?
    /// Where it stands once the value is read in full: past the closing quote of a string, past
    /// `}` or `]` of a container.
    var end: SourceLocation?

    /// The text Jackson's `getText()` gives for this token, as event-ruler puts it in messages.
    var tokenText: String {
        switch kind {
        case .object: return "{"
        case .array: return "["
        case .string(let s): return s
        case .number(let text, _): return text
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    /// A document given as a `JSONValue` (no text): object members are sorted by key, since the
    /// order is lost, and no locations are known.
    init(_ value: JSONValue) {
        start = nil
        end = nil
        switch value {
        case .null: kind = .null
        case .bool(let b): kind = .bool(b)
        case .int(let i): kind = .number(text: String(i), value: Double(i))
        case .double(let d): kind = .number(text: String(d), value: d)
        case .string(let s): kind = .string(s)
        case .array(let items): kind = .array(items.map(PatternJSON.init))
        case .object(let members):
            kind = .object(members.sorted { $0.key < $1.key }.map { Member(key: $0.key, value: PatternJSON($0.value)) })
        }
    }

    init(kind: Kind, start: SourceLocation?, end: SourceLocation?) {
        self.kind = kind
        self.start = start
        self.end = end
    }
}

/// A line and column as Jackson counts them: both from 1, columns in UTF-16 code units.
struct SourceLocation: Sendable, Equatable {
    var line: Int
    var column: Int
}

/// The text a pattern was compiled from, for Jackson's ` at [Source: ...]` suffix.
struct PatternSource: Sendable {
    let text: String

    /// Jackson (2.9 to 2.15) shows at most 500 characters of a `String` source, then
    /// `[truncated N chars]`.
    func suffix(at location: SourceLocation) -> String {
        let units = Array(text.utf16)
        let snippet: String
        if units.count > 500 {
            snippet = "\"" + String(decoding: units[..<500], as: UTF16.self) + "\"[truncated \(units.count - 500) chars]"
        } else {
            snippet = "\"" + text + "\""
        }
        return "\n at [Source: (String)\(snippet); line: \(location.line), column: \(location.column)]"
    }
}

/// Reads JSON text into `PatternJSON`, tracking Jackson's locations.
struct PatternJSONReader {
    struct Failure: Error {
        var reason: String
        var location: SourceLocation
    }

    private let units: [UInt16]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    static func read(_ text: String, maxDepth: Int = JSONParser.defaultMaxDepth) throws(Failure) -> PatternJSON {
        var reader = PatternJSONReader(units: Array(text.utf16))
        let value = try reader.value(depth: 0, maxDepth: maxDepth)
        reader.skipWhitespace()
        if reader.index < reader.units.count {
            throw reader.unexpected(reader.units[reader.index], expecting: "end of input")
        }
        return value
    }

    private init(units: [UInt16]) {
        self.units = units
    }

    private var location: SourceLocation { SourceLocation(line: line, column: index - lineStart + 1) }

    private mutating func skipWhitespace() {
        while index < units.count {
            switch units[index] {
            case 0x20, 0x09: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            case 0x0D:
                index += 1
                if index < units.count, units[index] == 0x0A { index += 1 }
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func unexpected(_ unit: UInt16, expecting: String) -> Failure {
        index += 1
        let character = Unicode.Scalar(unit).map { String(Character($0)) } ?? "?"
        return Failure(reason: "Unexpected character ('\(character)' (code \(unit))): expected \(expecting)", location: location)
    }

    private func endOfInput() -> Failure {
        Failure(reason: "Unexpected end-of-input", location: location)
    }

    private mutating func value(depth: Int, maxDepth: Int) throws(Failure) -> PatternJSON {
        skipWhitespace()
        guard index < units.count else { throw endOfInput() }
        let unit = units[index]
        switch unit {
        case 0x7B:  // {
            guard depth < maxDepth else { throw Failure(reason: "Maximum nesting depth exceeded", location: location) }
            index += 1
            let start = location
            var members: [PatternJSON.Member] = []
            skipWhitespace()
            if index < units.count, units[index] == 0x7D {
                index += 1
                return PatternJSON(kind: .object(members), start: start, end: location)
            }
            while true {
                skipWhitespace()
                guard index < units.count else { throw endOfInput() }
                guard units[index] == 0x22 else { throw unexpected(units[index], expecting: "double-quote to start field name") }
                index += 1
                let key = try string()
                skipWhitespace()
                guard index < units.count else { throw endOfInput() }
                guard units[index] == 0x3A else {
                    throw unexpected(units[index], expecting: "a colon to separate field name and value")
                }
                index += 1
                members.append(.init(key: key, value: try value(depth: depth + 1, maxDepth: maxDepth)))
                skipWhitespace()
                guard index < units.count else { throw endOfInput() }
                if units[index] == 0x2C {
                    index += 1
                } else if units[index] == 0x7D {
                    index += 1
                    return PatternJSON(kind: .object(members), start: start, end: location)
                } else {
                    throw unexpected(units[index], expecting: "comma to separate Object entries")
                }
            }
        case 0x5B:  // [
            guard depth < maxDepth else { throw Failure(reason: "Maximum nesting depth exceeded", location: location) }
            index += 1
            let start = location
            var items: [PatternJSON] = []
            skipWhitespace()
            if index < units.count, units[index] == 0x5D {
                index += 1
                return PatternJSON(kind: .array(items), start: start, end: location)
            }
            while true {
                items.append(try value(depth: depth + 1, maxDepth: maxDepth))
                skipWhitespace()
                guard index < units.count else { throw endOfInput() }
                if units[index] == 0x2C {
                    index += 1
                } else if units[index] == 0x5D {
                    index += 1
                    return PatternJSON(kind: .array(items), start: start, end: location)
                } else {
                    throw unexpected(units[index], expecting: "comma to separate Array entries")
                }
            }
        case 0x22:
            index += 1
            let start = location
            let s = try string()
            return PatternJSON(kind: .string(s), start: start, end: location)
        case 0x74: return try literal("true", .bool(true))
        case 0x66: return try literal("false", .bool(false))
        case 0x6E: return try literal("null", .null)
        case 0x2D, 0x30...0x39: return try number()
        default: throw unexpected(unit, expecting: "a value")
        }
    }

    private mutating func literal(_ word: String, _ kind: PatternJSON.Kind) throws(Failure) -> PatternJSON {
        for expected in word.utf16 {
            guard index < units.count else { throw endOfInput() }
            guard units[index] == expected else {
                throw Failure(
                    reason:
                        "Unrecognized token: was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                    location: location)
            }
            index += 1
        }
        return PatternJSON(kind: kind, start: location, end: location)
    }

    private mutating func number() throws(Failure) -> PatternJSON {
        let begin = index
        func digits(_ reader: inout PatternJSONReader) -> Int {
            let from = reader.index
            while reader.index < reader.units.count, (0x30...0x39).contains(reader.units[reader.index]) { reader.index += 1 }
            return reader.index - from
        }
        if units[index] == 0x2D { index += 1 }
        guard digits(&self) > 0 else { throw Failure(reason: "Unexpected character: expected digit", location: location) }
        if index < units.count, units[index] == 0x2E {
            index += 1
            guard digits(&self) > 0 else {
                throw Failure(reason: "Unexpected character: Decimal point not followed by a digit", location: location)
            }
        }
        if index < units.count, units[index] == 0x65 || units[index] == 0x45 {
            index += 1
            if index < units.count, units[index] == 0x2B || units[index] == 0x2D { index += 1 }
            guard digits(&self) > 0 else {
                throw Failure(reason: "Unexpected character: Exponent indicator not followed by a digit", location: location)
            }
        }
        let text = String(decoding: units[begin..<index], as: UTF16.self)
        return PatternJSON(kind: .number(text: text, value: Double(text) ?? .nan), start: location, end: location)
    }

    /// Reads a string's contents after its opening quote, through its closing quote.
    private mutating func string() throws(Failure) -> String {
        var out: [UInt16] = []
        while true {
            guard index < units.count else { throw endOfInput() }
            let unit = units[index]
            index += 1
            switch unit {
            case 0x22: return String(decoding: out, as: UTF16.self)
            case 0x5C:
                guard index < units.count else { throw endOfInput() }
                let escaped = units[index]
                index += 1
                switch escaped {
                case 0x22, 0x5C, 0x2F: out.append(escaped)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    var code: UInt16 = 0
                    for _ in 0..<4 {
                        guard index < units.count else { throw endOfInput() }
                        let h = units[index]
                        index += 1
                        let digit: UInt16
                        switch h {
                        case 0x30...0x39: digit = h - 0x30
                        case 0x61...0x66: digit = h - 0x61 + 10
                        case 0x41...0x46: digit = h - 0x41 + 10
                        default:
                            throw Failure(
                                reason: "Unexpected character: expected a hex-digit for character escape sequence",
                                location: location)
                        }
                        code = code << 4 | digit
                    }
                    out.append(code)
                default:
                    throw Failure(reason: "Unrecognized character escape (code \(escaped))", location: location)
                }
            case 0..<0x20:
                throw Failure(
                    reason:
                        "Illegal unquoted character ((CTRL-CHAR, code \(unit))): has to be escaped using backslash to be included in string value",
                    location: location)
            default: out.append(unit)
            }
        }
    }
}
