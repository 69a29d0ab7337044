import AWSProtocol
import Foundation
import KMSCiphertext
import Policy

/// The parsers that see untrusted bytes. Each takes the fuzzer's input and must never trap,
/// hang or grow without bound, whatever the bytes; where a parser has a round-trip property,
/// the target checks it too (a broken property traps, which libFuzzer reports as a crash).
enum FuzzTarget: String, CaseIterable {
    /// Request bodies of the JSON 1.1 services: parse, serialize, parse again, same value.
    case json
    /// SigV4: the method, path, query and headers of a request, one per line.
    case sigv4
    /// Query-protocol forms (IAM, STS), decoded against a model with every shape kind.
    case query
    /// Policy documents, as identity and as resource policies.
    case policy
    /// Ciphertext blobs handed to Decrypt and ReEncrypt.
    case ciphertext
    /// JSON input validated against a model: lengths, ranges, patterns, enums, blobs, nesting.
    case validate

    func run(_ bytes: [UInt8]) {
        switch self {
        case .json: Self.json(bytes)
        case .sigv4: Self.sigv4(bytes)
        case .query: Self.query(bytes)
        case .policy: Self.policy(bytes)
        case .ciphertext: _ = SymmetricCiphertext.parse(bytes)
        case .validate: Self.validate(bytes)
        }
    }

    static func json(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        let again = try? JSONParser.parse(value.serialized())
        precondition(again.map { same($0, value) } == true, "JSON round trip changed the value")
    }

    /// Equal as JSON: a whole double may come back as an integer (9e09 is written 9000000000).
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let i), .double(let d)), (.double(let d), .int(let i)): Double(i) == d
        case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } == true }
        default: a == b
        }
    }

    static func sigv4(_ bytes: [UInt8]) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3 else { return }
        let headers = lines.dropFirst(3).map { line -> (name: String, value: String) in
            guard let colon = line.firstIndex(of: ":") else { return (String(line), "") }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]))
        }
        let request = SigV4Request(
            method: String(lines[0]), path: String(lines[1]), query: String(lines[2]), headers: Array(headers),
            payloadSHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        guard let authorization = try? SigV4.parse(request) else { return }
        // A parsed request must also survive verification (canonicalization included).
        try? SigV4.verify(authorization, request: request, secretAccessKey: "secret", now: authorization.requestTime)
    }

    static let model = try! ServiceModel(
        json: #"""
            {"operations":{"Op":{"input":"OpRequest"}},"errors":{},
             "shapes":{"OpRequest":{"type":"structure","required":["Name"],"members":{
                "Name":"NameType","Count":"CountType","Flag":"FlagType","When":"WhenType","Blob":"BlobType",
                "Items":"ItemList","Tags":"TagMap","Inner":"OpRequest","Kind":"KindType","Ratio":"RatioType"}},
              "NameType":{"type":"string","min":1,"max":64,"pattern":"^[\\w+=,.@-]+$"},
              "CountType":{"type":"integer","min":1,"max":1000},
              "FlagType":{"type":"boolean"},
              "WhenType":{"type":"timestamp"},
              "BlobType":{"type":"blob","min":1,"max":4096,"sensitive":true},
              "ItemList":{"type":"list","member":"NameType","max":10},
              "TagMap":{"type":"map","key":"NameType","value":"NameType","max":5},
              "KindType":{"type":"string","enum":["A","B"]},
              "RatioType":{"type":"double"}}}
            """#)

    static func query(_ bytes: [UInt8]) {
        let request = QueryRequest(formEncoded: String(decoding: bytes, as: UTF8.self))
        _ = try? QueryDecoder(model: model).decode(action: "Op", request: request)
    }

    static func validate(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        _ = try? RequestValidator(model: model).validate(operation: "Op", input: value)
    }

    static func policy(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? PolicyDocument.parse(text, kind: .identity)
        _ = try? PolicyDocument.parse(text, kind: .resource)
    }
}

nonisolated(unsafe) var target = FuzzTarget.json

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// libFuzzer's driver, with the target named by RAMPART_FUZZ_TARGET.
@main
enum RampartFuzz {
    static func main() {
        let name = ProcessInfo.processInfo.environment["RAMPART_FUZZ_TARGET"] ?? "json"
        guard let chosen = FuzzTarget(rawValue: name) else {
            fatalError("RAMPART_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue))")
        }
        target = chosen
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(
            runFuzzerDriver(&argc, &argv) { data, size in
                target.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
                return 0
            })
    }
}
