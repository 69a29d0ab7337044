import Testing

@testable import AWSProtocol

@Suite("Request validation from the model")
struct RequestValidatorTests {
    static let model = try! ServiceModel(
        json: #"""
            {"operations":{"Op":{"input":"OpRequest"}},"errors":{},
             "shapes":{"OpRequest":{"type":"structure","required":["KeyId"],"members":{
                "KeyId":"KeyIdType","Days":"Days","Plaintext":"Plaintext","Spec":"Spec","Tags":"TagList",
                "Context":"Context","Flag":"Flag","Alias":"Alias","Path":"Path"}},
              "KeyIdType":{"type":"string","min":1,"max":10},
              "Days":{"type":"integer","min":7,"max":30},
              "Plaintext":{"type":"blob","min":1,"max":4,"sensitive":true},
              "Spec":{"type":"string","enum":["AES_256","AES_128"]},
              "TagList":{"type":"list","member":"Tag","max":2},
              "Tag":{"type":"structure","required":["TagKey"],"members":{"TagKey":"TagKey"}},
              "TagKey":{"type":"string","min":1,"max":3},
              "Context":{"type":"map","key":"TagKey","value":"TagKey"},
              "Flag":{"type":"boolean"},
              "Alias":{"type":"string","pattern":"^[a-z/]+$"},
              "Path":{"type":"string","pattern":"(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"}}}
            """#)
    let validator = RequestValidator(model: model)

    func error(_ json: String) -> AWSError? {
        do {
            _ = try validator.validate(operation: "Op", input: try JSONParser.parse(Array(json.utf8)))
            return nil
        } catch let e as AWSError {
            return e
        } catch {
            return AWSError(code: "parse", message: "\(error)")
        }
    }

    @Test func valid() {
        #expect(error(#"{"KeyId":"k","Days":7,"Plaintext":"AAE=","Spec":"AES_128","Tags":[{"TagKey":"a"}],"Unknown":1}"#) == nil)
    }

    @Test func missingRequiredMember() {
        let e = error("{}")
        #expect(e?.code == "ValidationException")
        #expect(
            e?.message
                == "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
    }

    @Test func severalViolationsInOneMessage() {
        let e = error(#"{"KeyId":"","Days":6}"#)
        #expect(
            e?.message
                == "2 validation errors detected: Value '6' at 'days' failed to satisfy constraint: Member must have value greater than or equal to 7; Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"
        )
    }

    @Test func rangesEnumsPatternsAndNesting() {
        #expect(error(#"{"KeyId":"k","Days":31}"#)?.message.contains("less than or equal to 30") == true)
        #expect(
            error(#"{"KeyId":"k","Spec":"AES_512"}"#)?.message.contains("Member must satisfy enum value set: [AES_256, AES_128]")
                == true)
        #expect(error(#"{"KeyId":"k","Alias":"UPPER"}"#)?.message.contains("regular expression pattern") == true)
        #expect(error(#"{"KeyId":"k","Tags":[{"TagKey":"long"}]}"#)?.message.contains("'tags.1.member.tagKey'") == true)
        #expect(error(#"{"KeyId":"k","Tags":[{},{},{}]}"#)?.code == "ValidationException")
    }

    @Test func aPatternMustSpanTheWholeValueWhicheverAlternativeMatches() {
        #expect(error(#"{"KeyId":"k","Path":"/"}"#) == nil)
        #expect(error(#"{"KeyId":"k","Path":"/staff/"}"#) == nil)
        #expect(error(#"{"KeyId":"k","Path":"/staff"}"#)?.code == "ValidationException")
        #expect(error(#"{"KeyId":"k","Alias":"abc1"}"#)?.code == "ValidationException")
    }

    /// AWS matches patterns as Java does: `\w`, `\d`, `\s` are ASCII (found by the model-driven
    /// hostile-input test: `é` passed IAM name patterns).
    @Test func wordDigitAndSpaceClassesAreASCII() {
        let user = "[\\w+=,.@-]+"
        #expect(PatternCache.shared.matches("alice.b@x=1", pattern: user))
        #expect(!PatternCache.shared.matches("é", pattern: user))
        #expect(!PatternCache.shared.matches("ßa", pattern: user))
        #expect(PatternCache.shared.matches("42", pattern: "\\d+"))
        #expect(!PatternCache.shared.matches("٤٢", pattern: "\\d+"))
        #expect(PatternCache.shared.matches("a b", pattern: "^[a-zA-Z0-9:/_\\s.-]+$"))
        #expect(!PatternCache.shared.matches("a\u{00A0}b", pattern: "^[a-zA-Z0-9:/_\\s.-]+$"))
        #expect(PatternCache.asciiClasses("\\w\\.[\\d\\]]") == "[A-Za-z0-9_]\\.[0-9\\]]")
    }

    @Test func sensitiveBlobsAreNotEchoed() {
        let e = error(#"{"KeyId":"k","Plaintext":"AAECAwQ="}"#)
        #expect(
            e?.message
                == "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4"
        )
    }

    @Test(
        "wrong types are serialization errors",
        arguments: [
            #"{"KeyId":5}"#, #"{"KeyId":"k","Days":"7"}"#, #"{"KeyId":"k","Days":7.5}"#, #"{"KeyId":"k","Flag":"yes"}"#,
            #"{"KeyId":"k","Tags":{}}"#, #"{"KeyId":"k","Context":[]}"#, #"{"KeyId":"k","Plaintext":"not base64!"}"#,
            #"{"KeyId":"k","Days":99999999999}"#, "[]",
        ])
    func wrongTypes(json: String) {
        #expect(error(json)?.code == "SerializationException")
    }

    @Test func base64Lengths() {
        #expect(Base64.decodedCount("") == 0)
        #expect(Base64.decodedCount("AA==") == 1)
        #expect(Base64.decodedCount("AAA=") == 2)
        #expect(Base64.decodedCount("AAAA") == 3)
        #expect(Base64.decodedCount("A=AA") == nil)
        #expect(Base64.decodedCount("AAA") == nil)
        #expect(Base64.decodedCount("AAA=AAAA") == nil)
        #expect(Base64.decodedCount("AA=A") == nil)
        #expect(Base64.decodedCount("A===") == nil)
        #expect(Base64.decodedCount("=AAA") == nil)
        #expect(Base64.decodedCount("AAA\u{C4}") == nil)
        #expect(Base64.decodedCount("AB+/ab09") == 6)
    }

    /// Strict base64, spelled out: groups of four letters of the standard alphabet, with one or
    /// two `=` only at the very end. (Foundation's decoder is laxer: it takes "aa=+".)
    static func strictDecodedCount(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count % 4 == 0 else { return nil }
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let padding = bytes.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        guard padding <= 2, bytes.dropLast(padding).allSatisfy(alphabet.contains) else { return nil }
        return bytes.count / 4 * 3 - padding
    }

    @Test func base64LengthsAgreeWithTheSpelledOutRule() {
        // Strings of 0-12 bytes from the alphabet, padding and a few strangers.
        var generator = SystemRandomNumberGenerator()
        let pool = Array("AZaz09+/==-_ \n".utf8)
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...3, using: &generator) * 4
            let bytes = (0..<length).map { _ in pool.randomElement(using: &generator)! }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(Base64.decodedCount(text) == Self.strictDecodedCount(text), "\(text)")
            if let count = Base64.decodedCount(text) { #expect(Base64.decode(text)?.count == count) }
        }
    }
}
