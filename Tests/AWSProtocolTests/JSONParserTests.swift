import AWSProtocol
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func documents() throws {
        #expect(
            try parse(#"{"a": [1, -2.5, true, false, null, "x\n\u00e9\ud83d\ude00"]}"#)
                == ["a": [.int(1), .double(-2.5), true, false, .null, .string("x\né😀")]])
        #expect(try parse("  {}  ") == [:])
        #expect(try parse("12345678901234") == .int(12_345_678_901_234))
        #expect(try parse("1e3") == .double(1000))
    }

    @Test(
        "malformed documents are refused",
        arguments: [
            "", "{", "}", "{\"a\"}", "{\"a\":}", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"unterminated", "tru", "nul",
            "{\"a\":1} x", "\"\\x\"", "\"\\ud800\"", "[\"\u{01}\"]", "NaN", "{'a':1}",
        ])
    func malformed(text: String) {
        #expect(throws: JSONParser.Failure.self) { try parse(text) }
    }

    @Test func nestingIsLimited() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try parse(deep) }
        let ok = String(repeating: "[", count: 30) + String(repeating: "]", count: 30)
        #expect((try? parse(ok)) != nil)
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func writerRoundTrips() throws {
        let value: JSONValue = ["b": [1, "two", ["c": .null]], "a": .string("quote\" back\\ \u{01}")]
        #expect(try JSONParser.parse(value.serialized()) == value)
        #expect(value.jsonString.hasPrefix(#"{"a":"#))
    }
}
