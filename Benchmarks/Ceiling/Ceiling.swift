import Crypto
import Foundation
import Hummingbird

/// The ceiling: read the body, seal it with AES-256-GCM, answer JSON. No signature check, no
/// authorization, no audit, no store.
@main
struct Ceiling {
    static func main() async throws {
        let arguments = CommandLine.arguments
        let port = arguments.firstIndex(of: "--port").flatMap { Int(arguments[$0 + 1]) } ?? 8089
        let key = SymmetricKey(size: .bits256)
        let router = Router()
        router.post("/") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let sealed = try AES.GCM.seal(Data(buffer: body), using: key).combined ?? Data()
            let json = #"{"CiphertextBlob":""# + sealed.base64EncodedString() + #"","KeyId":"ceiling"}"#
            return Response(
                status: .ok, headers: [.contentType: "application/x-amz-json-1.1"],
                body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}
