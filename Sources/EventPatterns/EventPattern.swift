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

    /// The longest `EventPattern` PutRule accepts (its API reference: "Maximum length of
    /// 4096"; EventBridge's default quota is 2048, raisable to 4096). Refusing a longer one is
    /// the API layer's job: AWS answers with a ValidationException, not
    /// InvalidEventPatternException.
    public static let maximumLength = 4096

    /// Compiles a pattern's JSON text; a malformed pattern throws AWS's
    /// InvalidEventPatternException message, with the line and column AWS gives.
    public init(json text: String) throws(PatternError) {
        let compiler = PatternCompiler(dialect: .eventBridge, source: PatternSource(text: text))
        let document: PatternJSON
        do {
            document = try PatternJSONReader.read(text)
        } catch {
            throw compiler.error(error.reason, at: error.location)
        }
        root = try compiler.compile(document)
    }

    /// Compiles a pattern already parsed. Messages carry no location (a `JSONValue` has none),
    /// and fields are checked in key order rather than document order.
    public init(_ value: JSONValue) throws(PatternError) {
        root = try PatternCompiler(dialect: .eventBridge, source: nil).compile(PatternJSON(value))
    }

    /// Whether `event` (an EventBridge event: version, id, source, detail-type, detail, ...)
    /// matches.
    public func matches(_ event: JSONValue) -> Bool {
        root.matches(event)
    }

    /// The field paths (`["detail", "eventName"]`) this pattern names, including those inside
    /// `$or` branches, for indexes over many patterns.
    public var fieldPaths: [[String]] { root.fieldPaths(prefix: []) }
}

/// Why a pattern or filter policy was refused, in AWS's words.
public struct PatternError: Error, Sendable, Equatable {
    /// The whole message AWS returns (`Event pattern is not valid. Reason: ...` for EventBridge's
    /// InvalidEventPatternException, `Invalid parameter: FilterPolicy: ...` for SNS's
    /// InvalidParameter).
    public var message: String
    /// The message without its product prefix (`Event pattern is not valid. Reason: ` or
    /// `Invalid parameter: `), for callers that frame it differently: SNS's Subscribe says
    /// `Invalid parameter: Attributes Reason: ` + reason.
    public var reason: String

    public init(_ message: String) {
        self.message = message
        self.reason = message
    }

    init(prefix: String, reason: String) {
        self.message = prefix + reason
        self.reason = reason
    }

    static let eventBridgePrefix = "Event pattern is not valid. Reason: "
    static let snsPrefix = "Invalid parameter: "
}
