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

    /// SQS's Query names: a member's `locationName`, flattened lists and maps without
    /// `member`/`entry`, a flattened list's items under the list member's own name.
    static let flattened = try! ServiceModel(
        json: #"""
            {"operations":{"Op":{"input":"In"}},"errors":{},
             "shapes":{"In":{"type":"structure","members":{"Names":"FlatNames","Attributes":"FlatMap","Plain":"Names"},
                             "locationNames":{"Attributes":"Attribute"}},
              "Text":{"type":"string"},"Names":{"type":"list","member":"Text"},
              "FlatNames":{"type":"list","member":"Text","memberName":"Name","flattened":true},
              "FlatMap":{"type":"map","key":"Text","value":"Text","keyName":"Name","valueName":"Value","flattened":true}}}
            """#)

    @Test func flattenedListsAndMapsUnderTheirWireNames() throws {
        let input = try QueryDecoder(model: Self.flattened).decode(
            action: "Op",
            request: QueryRequest(
                formEncoded: "Name.1=a&Name.2=b&Attribute.1.Name=k&Attribute.1.Value=v&Plain.member.1=p&Names.member.1=ignored"))
        #expect(input["Names"] == .array(["a", "b"]))
        #expect(input["Attributes"] == .object(["k": "v"]))
        #expect(input["Plain"] == .array(["p"]))
    }

    @Test func unknownActionsAreRefused() {
        #expect(throws: AWSError.self) {
            try QueryDecoder(model: Self.model).decode(action: "Nope", request: QueryRequest(formEncoded: ""))
        }
    }
}
