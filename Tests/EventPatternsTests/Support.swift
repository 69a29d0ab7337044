import AWSProtocol
import EventPatterns
import Testing

/// Parses JSON text the tests know to be valid.
func json(_ text: String) -> JSONValue {
    do {
        return try JSONParser.parse(Array(text.utf8))
    } catch {
        Issue.record("test JSON does not parse: \(text)")
        return .null
    }
}

/// One row of a matching table: a pattern, an event, and whether it must match.
struct MatchCase: Sendable, CustomTestStringConvertible {
    var pattern: String
    var event: String
    var matches: Bool

    init(_ pattern: String, _ event: String, _ matches: Bool) {
        self.pattern = pattern
        self.event = event
        self.matches = matches
    }

    var testDescription: String { "\(pattern) \(matches ? "matches" : "does not match") \(event)" }
}

/// One row of an error table: a malformed document and the exact message AWS gives.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    var document: String
    var message: String

    init(_ document: String, _ message: String) {
        self.document = document
        self.message = message
    }

    var testDescription: String { document }
}

func refusal(_ body: () throws(PatternError) -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return error.message
    }
}
