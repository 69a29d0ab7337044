public import AWSProtocol

/// An EventBridge event pattern, compiled once: which events a rule (or TestEventPattern)
/// matches. Pure: no I/O, no clock.
///
/// The pattern language is AWS's: a pattern is a JSON object whose leaves are arrays of
/// matchers (exact values, `prefix`, `suffix`, `equals-ignore-case`, `anything-but`, `numeric`,
/// `cidr`, `exists`, `wildcard`, `$or`); an event matches when every field the pattern names
/// matches (for an array in the event, any element).
public struct EventPattern: Sendable {
    let root: PatternNode

    /// Compiles a pattern's JSON text; a malformed pattern throws AWS's
    /// InvalidEventPatternException message.
    public init(json text: String) throws(PatternError) {
        guard let value = try? JSONParser.parse(Array(text.utf8)) else {
            throw PatternError("Event pattern is not valid. Reason: Filter is not an object")
        }
        try self.init(value)
    }

    public init(_ value: JSONValue) throws(PatternError) {
        guard case .object = value else { throw PatternError("Event pattern is not valid. Reason: Filter is not an object") }
        root = try PatternNode(value, path: [])
    }

    /// Whether `event` (an EventBridge event: version, id, source, detail-type, detail, ...)
    /// matches.
    public func matches(_ event: JSONValue) -> Bool {
        root.matches(event)
    }

    /// The field paths (`["detail", "eventName"]`) this pattern names, for indexes over many
    /// patterns.
    public var fieldPaths: [[String]] { root.fieldPaths(prefix: []) }
}

/// Why a pattern or filter policy was refused, in AWS's words.
public struct PatternError: Error, Sendable, Equatable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }
}
