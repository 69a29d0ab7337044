import AWSProtocol
import Testing

@testable import ServiceKit

@Suite("REST-JSON bindings from the model")
struct RESTBindingTests {
    static let model = try! ServiceModel(
        json: #"""
            {"operations":{
              "Invoke":{"input":"InvokeIn","output":"InvokeOut","http":{"method":"POST","requestUri":"/f/{Name}/invocations","responseCode":200}},
              "List":{"input":"ListIn","output":"ListOut","http":{"method":"GET","requestUri":"/f","responseCode":200}},
              "Get":{"input":"GetIn","http":{"method":"GET","requestUri":"/f/{Name}"}},
              "Create":{"input":"CreateIn","output":"ListOut","http":{"method":"POST","requestUri":"/f","responseCode":201}}},
             "shapes":{
              "InvokeIn":{"type":"structure","members":{"Name":"S","Type":"S","Payload":"B","Qualifier":"S"},
                "locations":{"Name":["uri","Name"],"Type":["header","X-Amz-Invocation-Type"],"Qualifier":["querystring","Qualifier"]},
                "payload":"Payload"},
              "InvokeOut":{"type":"structure","members":{"StatusCode":"I","FunctionError":"S","Payload":"B"},
                "locations":{"StatusCode":["statusCode","StatusCode"],"FunctionError":["header","X-Amz-Function-Error"]},
                "payload":"Payload"},
              "ListIn":{"type":"structure","members":{"Max":"I","Keys":"L","All":"Bo"},
                "locations":{"Max":["querystring","MaxItems"],"Keys":["querystring","tagKeys"],"All":["querystring","all"]}},
              "ListOut":{"type":"structure","members":{"Names":"L"}},
              "GetIn":{"type":"structure","members":{"Name":"S"},"locations":{"Name":["uri","Name"]}},
              "CreateIn":{"type":"structure","members":{"Name":"S","Size":"I"}},
              "S":{"type":"string"},"B":{"type":"blob"},"I":{"type":"integer"},"Bo":{"type":"boolean"},
              "L":{"type":"list","member":"S"}},
             "errors":{}}
            """#)

    @Test func routesPreferLiteralSegments() {
        let routes = RESTBinding.routes(Self.model, operations: ["Get", "Invoke", "List", "Create"])
        #expect(routes.first?.operation == "Invoke")
        let matched = routes.first { $0.match(method: "POST", path: "/f/echo/invocations", query: "") != nil }
        #expect(matched?.operation == "Invoke")
    }

    @Test func membersFromEveryLocation() {
        let input = RESTBinding.input(
            Self.model, operation: "Invoke", body: nil, rawBody: Array("{\"a\":1}".utf8), uri: ["Name": "echo"],
            query: "Qualifier=live", header: { $0 == "X-Amz-Invocation-Type" ? "Event" : nil })
        #expect(input["Name"]?.stringValue == "echo")
        #expect(input["Type"]?.stringValue == "Event")
        #expect(input["Qualifier"]?.stringValue == "live")
        #expect(input["Payload"]?.stringValue.flatMap(Base64.decode) == Array("{\"a\":1}".utf8))
        #expect(RESTBinding.takesRawBody(Self.model, operation: "Invoke"))
        #expect(!RESTBinding.takesRawBody(Self.model, operation: "Create"))
    }

    @Test func queryValuesTakeTheirMembersTypes() {
        let input = RESTBinding.input(
            Self.model, operation: "List", body: .object([:]), rawBody: [], uri: [:],
            query: "MaxItems=5&tagKeys=a&tagKeys=b%20c&all=true", header: { _ in nil })
        #expect(input["Max"] == .int(5))
        #expect(input["Keys"] == .array(["a", "b c"]))
        #expect(input["All"] == .bool(true))
        let bad = RESTBinding.input(
            Self.model, operation: "List", body: nil, rawBody: [], uri: [:], query: "MaxItems=lots", header: { _ in nil })
        #expect(bad["Max"] == .string("lots"))
    }

    @Test func bodyMembersCannotOverrideBoundOnes() {
        let input = RESTBinding.input(
            Self.model, operation: "Get", body: ["Name": "other", "Extra": 1], rawBody: [], uri: ["Name": "echo"], query: "",
            header: { _ in nil })
        #expect(input["Name"]?.stringValue == "echo")
    }

    @Test func answersTakeTheModelsStatusHeadersAndPayload() {
        let invoke = RESTBinding.answer(
            Self.model, operation: "Invoke",
            result: ["StatusCode": 202, "FunctionError": "Unhandled", "Payload": .string(Base64.encode(Array("hi".utf8)))])
        #expect(invoke.status == 202)
        #expect(invoke.headers.map(\.0) == ["X-Amz-Function-Error"])
        #expect(invoke.body == Array("hi".utf8))
        let created = RESTBinding.answer(Self.model, operation: "Create", result: ["Names": ["a"]])
        #expect(created.status == 201)
        #expect(String(decoding: created.body, as: UTF8.self) == #"{"Names":["a"]}"#)
    }
}
