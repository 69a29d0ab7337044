import AWSProtocol
import Testing

@Suite("Query protocol: flat parameters into the input shape")
struct QueryDecoderTests {
    /// A structure that holds itself (found by fuzzing: decoding once recursed without end).
    static let model = try! ServiceModel(
        json: #"""
            {"operations":{"Op":{"input":"Node"}},"errors":{},
             "shapes":{"Node":{"type":"structure","members":{"Name":"Text","Child":"Node","Names":"TextList"}},
              "Text":{"type":"string"},"TextList":{"type":"list","member":"Text"}}}
            """#)

    static func decode(_ form: String) throws -> JSONValue {
        try QueryDecoder(model: model).decode(action: "Op", request: QueryRequest(formEncoded: form))
    }

    @Test func recursiveShapesStopWhereTheParametersDo() throws {
        #expect(try Self.decode("") == .object([:]))
        let nested = try Self.decode("Name=a&Child.Name=b&Child.Child.Names.member.1=c")
        #expect(nested["Name"] == "a")
        #expect(nested["Child"]?["Name"] == "b")
        #expect(nested["Child"]?["Child"]?["Names"] == .array(["c"]))
        #expect(nested["Child"]?["Child"]?["Child"] == nil)
    }

    @Test func unknownActionsAreRefused() {
        #expect(throws: AWSError.self) {
            try QueryDecoder(model: Self.model).decode(action: "Nope", request: QueryRequest(formEncoded: ""))
        }
    }
}
