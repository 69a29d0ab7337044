import AWSProtocol
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import KMS
import Logging
import NIOCore
import RampartCore
import RampartTestSupport
import ServiceKit
import Synchronization
import Testing

@testable import RampartServer

/// Keeps every log message with its metadata.
struct CapturingLogHandler: LogHandler {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
    }
    let sink: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        sink.lines.withLock { $0.append("\(event.message) \(fields.joined(separator: " "))") }
    }
}

/// A REST-JSON service and an EC2-protocol one, made only to drive the edge's pipeline.
struct EchoHandler: OperationHandler {
    func handle(_ call: Invocation) async throws(AWSError) -> Reply {
        switch call.operation {
        case "GetThing":
            return .json(["Name": .string(call.input.string("Name") ?? ""), "Depth": .int(Int64(call.input.int("Depth") ?? 0))])
        case "DescribeThings":
            return QueryReply.make(
                action: "DescribeThings", xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/", requestId: call.requestId
            ) {
                $0.element("thing", call.input.string("Name"))
            }
        default:
            throw AWSError(code: "ResourceNotFoundException", message: "no such thing", httpStatus: 404)
        }
    }
}

@Suite("The edge's one pipeline, for every protocol")
struct PipelineTests {
    static let restModel = try! ServiceModel(
        json: #"""
            {"operations":{"GetThing":{"input":"GetThingRequest"},"Missing":{"input":null}},
             "shapes":{"GetThingRequest":{"type":"structure","required":["Name"],"members":{"Name":"Name","Depth":"Depth"},
                                           "locations":{"Name":["uri","Name"]}},
                       "Name":{"type":"string","min":1,"max":64},"Depth":{"type":"integer","min":0,"max":9}},"errors":{}}
            """#)
    static let ec2Model = try! ServiceModel(
        json: #"""
            {"operations":{"DescribeThings":{"input":"DescribeThingsRequest"}},
             "shapes":{"DescribeThingsRequest":{"type":"structure","members":{"Name":"Name"}},"Name":{"type":"string"}},
             "errors":{}}
            """#)

    struct Stack {
        let app: Application<AWSResponder>
        let credential: Credential
        let clock: ManualClock
        let log: CapturingLogHandler.Lines
    }

    static func stack() async throws -> Stack {
        let clock = ManualClock(Date())
        let vault = Fixtures.vault()
        let identityStore = InMemoryIdentityStore()
        let identity = IdentityService(store: identityStore, vault: vault, clock: clock)
        let credential = try await identity.createAccount(id: Fixtures.accountA)
        let iam = IAMService(store: identityStore, vault: vault, clock: clock, identity: identity)
        let kms = KeyManagementService(store: InMemoryKeyStore(), vault: vault, clock: clock, authorizer: PolicyKMSAuthorizer())
        let serviceClock = AdjustableClock(base: clock)
        let sink = CapturingLogHandler.Lines()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(sink: sink) }
        let context = ServiceContext(
            vault: vault, clock: serviceClock, identity: identity, iam: iam, trail: nil, documents: InMemoryDocumentStore(),
            logger: logger)
        let rest = ServiceDescriptor(
            signingName: "things",
            wire: .restJSON(routes: [
                RESTRoute(method: "GET", template: "/2026-01-01/things/{Name}", operation: "GetThing"),
                RESTRoute(method: "DELETE", template: "/2026-01-01/things/{Name}", operation: "Missing"),
            ]),
            model: restModel, operations: OperationTable(actionPrefix: "things", readOnly: ["GetThing"], changes: ["Missing"]),
            handler: EchoHandler())
        let ec2 = ServiceDescriptor(
            signingName: "ec2", wire: .ec2(xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/", version: "2016-11-15"),
            model: ec2Model, operations: OperationTable(actionPrefix: "ec2", readOnly: ["DescribeThings"], changes: []),
            handler: EchoHandler())
        let services = Services.all(context, kms: kms, digestKey: nil, devClock: false) + [rest, ec2]
        let responder = RampartServer.makeResponder(
            services: services, identity: identity, iam: iam, trail: nil, wallClock: clock, serviceClock: serviceClock,
            maxBodySize: 64 * 1024, secure: false, logger: logger)
        return Stack(app: Application(responder: responder), credential: credential, clock: clock, log: sink)
    }

    static func send(
        _ stack: Stack, method: HTTPRequest.Method = .post, path: String = "/", query: String = "", service: String,
        body: String, contentType: String = "application/x-www-form-urlencoded; charset=utf-8"
    ) async throws -> (Int, HTTPFields, String) {
        let signer = SigV4Signer(
            accessKeyId: stack.credential.accessKeyId, secretAccessKey: stack.credential.secretAccessKey, sessionToken: nil,
            region: "us-east-1", service: service)
        let url = URL(string: "http://localhost\(path)\(query.isEmpty ? "" : "?" + query)")!
        let headers = signer.sign(
            method: method.rawValue, url: url, headers: [(name: "Content-Type", value: contentType)], body: Array(body.utf8),
            date: stack.clock.now)
        var signed = HTTPFields()
        for h in headers { signed.append(HTTPField(name: HTTPField.Name(h.name)!, value: h.value)) }
        let fields = signed
        let uri = path + (query.isEmpty ? "" : "?" + query)
        return try await stack.app.test(.router) { client in
            try await client.execute(uri: uri, method: method, headers: fields, body: ByteBuffer(string: body)) { response in
                (Int(response.status.code), response.headers, String(buffer: response.body))
            }
        }
    }

    @Test("An Action a caller forged with a newline never reaches the request log")
    func forgedActionIsNotLogged() async throws {
        let stack = try await Self.stack()
        let forged = "GetCallerIdentity%0A2026-12-07T00:00:00+0000%20info%20rampart:%20FORGED-LINE"
        let (status, _, body) = try await Self.send(stack, service: "sts", body: "Action=\(forged)&Version=2011-06-15")
        #expect(status == 400)
        #expect(body.contains("<Code>InvalidAction</Code>"))
        let lines = stack.log.lines.withLock { $0 }
        #expect(!lines.contains { $0.contains("FORGED") || $0.contains("\n") })
        #expect(lines.contains { $0.hasPrefix("request ") && $0.contains("operation=-") && $0.contains("service=sts") })
        // A known operation is logged by its name.
        let (ok, _, _) = try await Self.send(stack, service: "sts", body: "Action=GetCallerIdentity&Version=2011-06-15")
        #expect(ok == 200)
        #expect(stack.log.lines.withLock { $0 }.contains { $0.contains("operation=GetCallerIdentity") })
    }

    @Test("IAM checks the Query Version as STS does")
    func iamChecksVersion() async throws {
        let stack = try await Self.stack()
        let (status, _, body) = try await Self.send(stack, service: "iam", body: "Action=ListUsers&Version=2011-06-15")
        #expect(status == 400)
        #expect(body.contains("<Code>InvalidAction</Code>"))
        #expect(body.contains("Could not find operation ListUsers for version 2011-06-15"))
        let (ok, _, listed) = try await Self.send(stack, service: "iam", body: "Action=ListUsers&Version=2010-05-08")
        #expect(ok == 200)
        #expect(listed.contains("<ListUsersResponse"))
    }

    @Test("REST-JSON: routed by method and path, members bound from the URI, errors in the header")
    func restJSON() async throws {
        let stack = try await Self.stack()
        let (status, headers, body) = try await Self.send(
            stack, method: .get, path: "/2026-01-01/things/gizmo", service: "things", body: "", contentType: "application/json")
        #expect(status == 200)
        #expect(headers[.contentType] == "application/json")
        #expect(try JSONParser.parse(Array(body.utf8))["Name"] == "gizmo")
        let (bad, badHeaders, _) = try await Self.send(
            stack, method: .get, path: "/2026-01-01/things/gizmo", service: "things", body: #"{"Depth":12}"#,
            contentType: "application/json")
        #expect(bad == 400)
        #expect(badHeaders[HTTPField.Name("X-Amzn-ErrorType")!] == "ValidationException")
        let (missing, missingHeaders, _) = try await Self.send(
            stack, method: .delete, path: "/2026-01-01/things/gizmo", service: "things", body: "",
            contentType: "application/json")
        #expect(missing == 404)
        #expect(missingHeaders[HTTPField.Name("X-Amzn-ErrorType")!] == "ResourceNotFoundException")
        let (unrouted, _, _) = try await Self.send(
            stack, method: .get, path: "/2026-01-01/nothing", service: "things", body: "", contentType: "application/json")
        #expect(unrouted == 404)
    }

    @Test("EC2's protocol: Action and Version, errors as <Response><Errors>")
    func ec2() async throws {
        let stack = try await Self.stack()
        let (status, _, body) = try await Self.send(
            stack, service: "ec2", body: "Action=DescribeThings&Version=2016-11-15&Name=x")
        #expect(status == 200)
        #expect(body.contains("<thing>x</thing>"))
        let (unknown, _, error) = try await Self.send(stack, service: "ec2", body: "Action=RunInstances&Version=2016-11-15")
        #expect(unknown == 400)
        #expect(error.contains("<Response><Errors><Error><Code>InvalidAction</Code>"))
    }

    @Test func logTextIsEscaped() {
        #expect(LogText.escaped("plain") == "plain")
        #expect(LogText.escaped("a\nb") == "a\\nb")
        #expect(LogText.escaped("q\"\\") == "q\\\"\\\\")
        #expect(LogText.escaped("\u{1}") == "\\u0001")
    }
}
