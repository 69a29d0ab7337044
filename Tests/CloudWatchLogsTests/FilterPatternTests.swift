import Testing

@testable import CloudWatchLogs

@Suite("CloudWatch Logs filter patterns")
struct FilterPatternTests {
    func matches(_ pattern: String, _ message: String) throws -> Bool {
        try LogFilterPattern(pattern).matches(message)
    }

    @Test func termsAllMustAppear() throws {
        #expect(try matches("", "anything"))
        #expect(try matches("ERROR", "[ERROR] disk full"))
        #expect(try !matches("ERROR", "[error] disk full"))
        #expect(try matches("ERROR disk", "[ERROR] disk full"))
        #expect(try !matches("ERROR memory", "[ERROR] disk full"))
        #expect(try matches("\"disk full\"", "[ERROR] disk full"))
        #expect(try !matches("\"full disk\"", "[ERROR] disk full"))
    }

    @Test func optionalAndExcludedTerms() throws {
        #expect(try matches("?ERROR ?WARN", "WARN: slow"))
        #expect(try !matches("?ERROR ?WARN", "INFO: fine"))
        #expect(try matches("ERROR -Retrying", "ERROR gave up"))
        #expect(try !matches("ERROR -Retrying", "ERROR Retrying in 5s"))
    }

    @Test func jsonComparisons() throws {
        let record = #"{"eventName":"DisableKey","latency":750,"user":{"id":"alice-1"},"items":[1,"two"],"gone":null,"ok":true}"#
        #expect(try matches(#"{ $.eventName = "DisableKey" }"#, record))
        #expect(try !matches(#"{ $.eventName = "EnableKey" }"#, record))
        #expect(try matches(#"{ $.eventName != "EnableKey" }"#, record))
        #expect(try matches(#"{ $.eventName = "Disable*" }"#, record))
        #expect(try matches("{ $.eventName = Disable* }", record))
        #expect(try matches("{ $.latency >= 500 }", record))
        #expect(try !matches("{ $.latency < 500 }", record))
        #expect(try matches("{ $.latency = 750 }", record))
        #expect(try matches(#"{ $.user.id = "alice*" }"#, record))
        #expect(try matches("{ $.items[0] = 1 }", record))
        #expect(try matches(#"{ $.items[1] = "two" }"#, record))
        #expect(try !matches("{ $.items[5] = 1 }", record))
        #expect(try matches("{ $.gone IS NULL }", record))
        #expect(try matches("{ $.ok IS TRUE }", record))
        #expect(try !matches("{ $.ok IS FALSE }", record))
        #expect(try matches("{ $.missing NOT EXISTS }", record))
        #expect(try !matches("{ $.latency NOT EXISTS }", record))
        #expect(try !matches("{ $.missing = 1 }", record))
    }

    @Test func jsonConnectives() throws {
        let record = #"{"a":1,"b":2,"c":"x"}"#
        #expect(try matches("{ $.a = 1 && $.b = 2 }", record))
        #expect(try !matches("{ $.a = 1 && $.b = 3 }", record))
        #expect(try matches("{ $.a = 9 || $.b = 2 }", record))
        #expect(try matches(#"{ ($.a = 9 || $.b = 2) && $.c = "x" }"#, record))
        #expect(try !matches(#"{ $.a = 9 || ($.b = 2 && $.c = "y") }"#, record))
        // Not a JSON object: a JSON pattern never matches.
        #expect(try !matches("{ $.a = 1 }", "a=1"))
        #expect(try !matches("{ $.a = 1 }", "[1]"))
    }

    @Test(arguments: [
        "{ $.a = 1", "{ a = 1 }", "{ $.a }", "{ $.a > \"x\" }", "{ $.a = }", "\"unclosed", "{ $.a IS MAYBE }",
        "{ $.a = 1 } extra", "[ip, user]", "{ $. = 1 }", "{ $.a[x] = 1 }",
    ])
    func invalidPatternsAreRefused(_ pattern: String) {
        #expect(throws: LogFilterPattern.Invalid.self) { try LogFilterPattern(pattern) }
    }

    @Test func wildcardsDoNotBacktrackWithoutBound() {
        let text = String(repeating: "a", count: 20_000)
        #expect(!LogWildcard.matches(String(repeating: "*a", count: 50) + "b", text))
        #expect(LogWildcard.matches("a*a*a", text))
        #expect(LogWildcard.matches("*", ""))
        #expect(!LogWildcard.matches("a", ""))
    }
}
