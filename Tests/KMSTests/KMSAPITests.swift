import AWSProtocol
import Foundation
import Identity
import RampartCore
import RampartTestSupport
import ServiceKit
import Testing

@testable import KMS

@Suite("KMS on the wire")
struct KMSAPITests {
    @Test("A data key's plaintext is scrubbed in the result's own buffer once encoded")
    func dataKeyScrubbedInPlace() {
        var plaintext: [UInt8]? = Array(repeating: 0x5A, count: 32)
        let member = KMSAPI.secretMember(&plaintext)
        #expect(member == .string(Base64.encode(Array(repeating: 0x5A, count: 32))))
        #expect(plaintext == Array(repeating: 0, count: 32))
        var none: [UInt8]? = nil
        #expect(KMSAPI.secretMember(&none) == nil)
    }

    @Test("GenerateDataKey answers through the descriptor's handler")
    func handlerAnswersGenerateDataKey() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: Fixtures.root())
        let descriptor = kms.descriptor()
        #expect(descriptor.operations["GenerateDataKey"]?.readOnly == true)
        #expect(descriptor.operations["CreateKey"]?.readOnly == false)
        #expect(descriptor.operations["CreateKey"]?.action == "kms:CreateKey")
        // An operation in the model that is not built is still the handler's to refuse.
        #expect(descriptor.operations["CreateCustomKeyStore"] != nil)
        let input = RequestInput(members: ["KeyId": .string(key.keyId), "NumberOfBytes": 32])
        let reply = try await descriptor.handler.handle(
            Invocation(operation: "GenerateDataKey", input: input, caller: Fixtures.root(), requestId: "r"))
        guard case .json(let body) = reply else {
            Issue.record("expected JSON")
            return
        }
        #expect(body["Plaintext"]?.stringValue.flatMap(Base64.decode)?.count == 32)
        #expect(body["KeyId"]?.stringValue == key.arn)
    }
}
