import Testing

@testable import AWSProtocol

@Suite("Query XML answers written from an output shape")
struct QueryResponseEncoderTests {
    /// An SNS-like model using every trait the encoder reads.
    static let model = try! ServiceModel(
        json: #"""
            {"operations":{"Describe":{"input":null,"output":"DescribeOutput","resultWrapper":"DescribeResult"},
                           "Nothing":{"input":null,"resultWrapper":"NothingResult"}},
             "shapes":{
               "DescribeOutput":{"type":"structure","order":["Name","Items","Flat","Attributes","Renamed","Enabled","Count","Data","When"],
                 "members":{"Name":"Str","Items":"StrList","Flat":"StrList","Attributes":"Attrs","Renamed":"Str","Enabled":"Bool",
                            "Count":"Int","Data":"Blob","When":"Time"},
                 "locationNames":{"Renamed":"OtherName"},"flattenedMembers":["Flat"]},
               "Str":{"type":"string"},"StrList":{"type":"list","member":"Str"},
               "Attrs":{"type":"map","key":"Str","value":"Str"},"Bool":{"type":"boolean"},"Int":{"type":"integer"},
               "Blob":{"type":"blob"},"Time":{"type":"timestamp"}},
             "errors":{}}
            """#)

    @Test("Model order, lists, flattened lists, maps, renamed members and scalars")
    func everyTrait() {
        let encoder = QueryResponseEncoder(model: Self.model, xmlns: "http://example.com/doc/")
        let result: JSONValue = [
            "When": .double(1_780_000_000.5), "Data": "AAEC", "Count": 3, "Enabled": true, "Renamed": "r",
            "Attributes": ["b": "2", "a": "1 < 2"], "Flat": ["x", "y"], "Items": ["i"], "Name": "n",
        ]
        let text = String(decoding: encoder.encode(operation: "Describe", result: result, requestId: "rid"), as: UTF8.self)
        #expect(
            text == #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
                + #"<DescribeResponse xmlns="http://example.com/doc/"><DescribeResult><Name>n</Name>"#
                + "<Items><member>i</member></Items><Flat>x</Flat><Flat>y</Flat>"
                + "<Attributes><entry><key>a</key><value>1 &lt; 2</value></entry><entry><key>b</key><value>2</value></entry></Attributes>"
                + "<OtherName>r</OtherName><Enabled>true</Enabled><Count>3</Count><Data>AAEC</Data>"
                + "<When>2026-05-28T20:26:40Z</When></DescribeResult>"
                + "<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></DescribeResponse>")
        let empty = String(decoding: encoder.encode(operation: "Nothing", result: [:], requestId: "rid"), as: UTF8.self)
        #expect(empty.contains("<NothingResult></NothingResult><ResponseMetadata>"))
    }
}
