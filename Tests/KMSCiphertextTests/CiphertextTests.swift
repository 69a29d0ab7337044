import Crypto
import Foundation
import KMSCiphertext
import Testing

@Suite("Ciphertext format and encryption context")
struct CiphertextTests {
    let material = SymmetricKey(size: .bits256)
    let keyId = "1234abcd-12ab-34cd-56ef-1234567890ab"
    let materialId = String(repeating: "ab", count: 32)

    func seal(_ text: String, context: [String: String] = [:]) throws -> SymmetricCiphertext {
        try SymmetricCiphertext.seal(
            Array(text.utf8), material: material, accountId: "111111111111", region: "us-east-1", keyId: keyId,
            materialId: materialId, context: EncryptionContext(context))
    }

    @Test func roundTripAndSelfDescribingHeader() throws {
        let blob = try seal("hello", context: ["app": "orders"]).bytes
        let parsed = try #require(SymmetricCiphertext.parse(blob))
        #expect(parsed.keyId == keyId)
        #expect(parsed.accountId == "111111111111")
        #expect(parsed.region == "us-east-1")
        #expect(parsed.materialId == materialId)
        #expect(try parsed.open(material: material, context: EncryptionContext(["app": "orders"])) == Array("hello".utf8))
    }

    @Test func contextEncodingIsUnambiguous() {
        #expect(EncryptionContext(["ab": "c"]).canonicalBytes != EncryptionContext(["a": "bc"]).canonicalBytes)
        #expect(
            EncryptionContext(["a": "b", "c": "d"]).canonicalBytes == EncryptionContext(["c": "d", "a": "b"]).canonicalBytes)
        #expect(EncryptionContext([:]).canonicalBytes != EncryptionContext(["": ""]).canonicalBytes)
    }

    @Test func collidingContextsDoNotDecrypt() throws {
        let blob = try seal("secret", context: ["ab": "c"]).bytes
        let parsed = try #require(SymmetricCiphertext.parse(blob))
        #expect(throws: (any Error).self) { try parsed.open(material: material, context: EncryptionContext(["a": "bc"])) }
        #expect(throws: (any Error).self) { try parsed.open(material: material, context: EncryptionContext()) }
    }

    @Test func everyFlippedBitIsRefused() throws {
        let blob = try seal("integrity matters").bytes
        for index in 0..<blob.count {
            var tampered = blob
            tampered[index] ^= 0x01
            if let parsed = SymmetricCiphertext.parse(tampered) {
                #expect(throws: (any Error).self, "byte \(index)") {
                    try parsed.open(material: material, context: EncryptionContext())
                }
            }
        }
    }

    @Test func truncatedBlobsAreRefused() throws {
        let blob = try seal("short").bytes
        for length in 0..<blob.count {
            let cut = Array(blob.prefix(length))
            if let parsed = SymmetricCiphertext.parse(cut) {
                #expect(throws: (any Error).self) { try parsed.open(material: material, context: EncryptionContext()) }
            }
        }
    }

    @Test func garbageIsNotParsed() {
        #expect(SymmetricCiphertext.parse([]) == nil)
        #expect(SymmetricCiphertext.parse(Array(repeating: 0, count: 200)) == nil)
        #expect(SymmetricCiphertext.parse(Array("not a ciphertext at all, just some text".utf8)) == nil)
    }
}
