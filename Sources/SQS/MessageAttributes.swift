public import AWSProtocol
import Crypto

/// One message attribute as the caller gave it: a data type (`String`, `Number`, `Binary`,
/// optionally with a `.custom` suffix) and a string or binary value.
public struct MessageAttribute: Sendable, Hashable {
    public var dataType: String
    public var stringValue: String?
    public var binaryValue: [UInt8]?

    public init(dataType: String, stringValue: String? = nil, binaryValue: [UInt8]? = nil) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }

    var isBinary: Bool { dataType == "Binary" || dataType.hasPrefix("Binary.") }

    /// The attribute as SQS answers it (`BinaryValue` in base64).
    public var json: JSONValue {
        var out: [String: JSONValue] = ["DataType": .string(dataType)]
        if let stringValue { out["StringValue"] = .string(stringValue) }
        if let binaryValue { out["BinaryValue"] = .string(Base64.encode(binaryValue)) }
        return .object(out)
    }

    public init?(json: JSONValue) {
        guard let type = json["DataType"]?.stringValue else { return nil }
        self.dataType = type
        self.stringValue = json["StringValue"]?.stringValue
        self.binaryValue = json["BinaryValue"]?.stringValue.flatMap(Base64.decode)
    }

    /// The size SQS counts against the message size limit: name, type and value bytes.
    func size(name: String) -> Int {
        name.utf8.count + dataType.utf8.count + (stringValue?.utf8.count ?? 0) + (binaryValue?.count ?? 0)
    }
}

/// The digests SQS answers with, computed as AWS documents them, so that clients that check
/// them (the Java and .NET SDKs, older botocore) accept the answer.
public enum MessageDigest {
    /// MD5 of the body's UTF-8 bytes, in lowercase hex.
    public static func body(_ body: String) -> String {
        Hex.encode(Insecure.MD5.hash(data: Array(body.utf8)))
    }

    /// MD5 of the message attributes: for each attribute, by name in byte order, the name, the
    /// data type (each as a 4-byte big-endian length and UTF-8 bytes), a transport byte (1 for
    /// string values, 2 for binary), and the value (length-prefixed). nil when there are none.
    public static func attributes(_ attributes: [String: MessageAttribute]) -> String? {
        guard !attributes.isEmpty else { return nil }
        var bytes: [UInt8] = []
        for name in attributes.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let attribute = attributes[name]!
            appendLengthPrefixed(Array(name.utf8), to: &bytes)
            appendLengthPrefixed(Array(attribute.dataType.utf8), to: &bytes)
            if let binary = attribute.binaryValue, attribute.isBinary || attribute.stringValue == nil {
                bytes.append(2)
                appendLengthPrefixed(binary, to: &bytes)
            } else {
                bytes.append(1)
                appendLengthPrefixed(Array((attribute.stringValue ?? "").utf8), to: &bytes)
            }
        }
        return Hex.encode(Insecure.MD5.hash(data: bytes))
    }

    private static func appendLengthPrefixed(_ value: [UInt8], to bytes: inout [UInt8]) {
        let n = UInt32(value.count)
        bytes.append(contentsOf: [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)])
        bytes.append(contentsOf: value)
    }
}

/// The rules SQS applies to what a message carries.
public enum MessageRules {
    /// Whether every character is one SQS accepts: #x9 | #xA | #xD | #x20 to #xD7FF |
    /// #xE000 to #xFFFD | #x10000 to #x10FFFF.
    public static func isValidText(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { s in
            let v = s.value
            return v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v)
                || (0x10000...0x10FFFF).contains(v)
        }
    }

    /// Checks a message's attributes as SQS does: at most 10, names of up to 256 characters
    /// (letters, digits, `_ - .`, not starting with `AWS.`/`Amazon.` or a dot, no `..`), a known
    /// data type, and a value of that type.
    public static func validate(_ attributes: [String: MessageAttribute]) throws(AWSError) {
        guard attributes.count <= 10 else {
            throw .invalidParameterValue(
                "Number of message attributes [\(attributes.count)] exceeds the allowed maximum [10].")
        }
        for (name, attribute) in attributes.sorted(by: { $0.key < $1.key }) {
            let allowed = name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || "_-.".unicodeScalars.contains($0)
            }
            let lower = name.lowercased()
            guard !name.isEmpty, name.count <= 256, allowed, !name.hasPrefix("."), !name.hasSuffix("."),
                !name.contains(".."), !lower.hasPrefix("aws."), !lower.hasPrefix("amazon.")
            else {
                throw .invalidParameterValue("Message (user) attribute name '\(name)' is invalid.")
            }
            let base = attribute.dataType.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
            guard ["String", "Number", "Binary"].contains(base), attribute.dataType.count <= 256 else {
                throw .invalidParameterValue(
                    "The type of message (user) attribute '\(name)' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
                )
            }
            if base == "Binary" {
                guard let value = attribute.binaryValue, !value.isEmpty else {
                    throw .invalidParameterValue(
                        "Message (user) attribute '\(name)' must contain a non-empty value of type 'Binary'.")
                }
            } else {
                guard let value = attribute.stringValue, !value.isEmpty else {
                    throw .invalidParameterValue(
                        "Message (user) attribute '\(name)' must contain a non-empty value of type '\(base)'.")
                }
                guard isValidText(value) else { throw .invalidMessageContents() }
                if base == "Number", Double(value) == nil {
                    throw .invalidParameterValue("Can't cast the value of message (user) attribute '\(name)' to a number.")
                }
            }
        }
    }

    /// The attributes a ReceiveMessage asked for: `All` or `.*` for every one, `prefix.*` for
    /// those under a prefix, or names.
    public static func selected(_ attributes: [String: MessageAttribute], names: [String]) -> [String: MessageAttribute] {
        guard !names.isEmpty else { return [:] }
        if names.contains("All") || names.contains(".*") { return attributes }
        return attributes.filter { name, _ in
            names.contains { wanted in
                wanted.hasSuffix(".*") ? name.hasPrefix(String(wanted.dropLast(1))) : wanted == name
            }
        }
    }
}
