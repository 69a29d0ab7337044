import AWSProtocol
import Foundation
import KeyVault
import Testing

@_spi(Benchmarks) @testable import KMS

@Suite("KMS's generated response shapes")
struct KMSOutputShapesTests {
    @Test("An answer's members under the model's names; blobs in base64, dates in epoch seconds, nil members absent")
    func membersAndEncodings() {
        let created = Date(timeIntervalSince1970: 1_800_000_000.25)
        let answer = KMSShapes.GetParametersForImportResponse(
            keyId: "arn:k", importToken: [1, 2, 3], parametersValidTo: created)
        #expect(
            answer.jsonValue == [
                "KeyId": "arn:k", "ImportToken": .string(Base64.encode([1, 2, 3])),
                "ParametersValidTo": Timestamp.epochSeconds(created),
            ])
    }

    @Test("Nested structures and lists, and a structure rendered by hand")
    func nested() {
        let metadata = KMSShapes.KeyMetadata(
            keyId: "k",
            multiRegionConfiguration: KMSShapes.MultiRegionConfiguration(
                multiRegionKeyType: "PRIMARY", primaryKey: KMSShapes.MultiRegionKey(arn: "a", region: "us-east-1"),
                replicaKeys: []))
        #expect(
            KMSShapes.DescribeKeyResponse(keyMetadata: metadata).jsonValue == [
                "KeyMetadata": [
                    "KeyId": "k",
                    "MultiRegionConfiguration": [
                        "MultiRegionKeyType": "PRIMARY", "PrimaryKey": ["Arn": "a", "Region": "us-east-1"], "ReplicaKeys": [],
                    ],
                ]
            ])
        let rendered = KMSShapes.KeyMetadata(rendered: ["KeyId": "by hand"])
        #expect(KMSShapes.CreateKeyResponse(keyMetadata: rendered).jsonValue == ["KeyMetadata": ["KeyId": "by hand"]])
    }

    @Test("A secret moves into the answer without a copy, so scrubbing the answer scrubs its buffer")
    func secretMovedNotCopied() {
        var plaintext = [UInt8](repeating: 0x5A, count: 32)
        let buffer = plaintext.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        var answer = KMSShapes.DecryptResponse(keyId: "k", plaintext: KMSAPI.moved(&plaintext))
        #expect(plaintext.isEmpty)
        #expect(answer.plaintext?.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == buffer)
        #expect(answer.jsonValue["Plaintext"] == .string(Base64.encode([UInt8](repeating: 0x5A, count: 32))))
        Zeroize.optional(&answer.plaintext)
        #expect(answer.plaintext == [UInt8](repeating: 0, count: 32))
    }

    @Test("The hot answers are what the dictionaries they replaced were")
    func hotAnswers() {
        let arn = "arn:aws:kms:us-east-1:111122223333:key/k"
        #expect(
            KMSHotAnswers.encrypt(ciphertextBlob: [7, 7], keyArn: arn, algorithm: "SYMMETRIC_DEFAULT") == [
                "CiphertextBlob": .string(Base64.encode([7, 7])), "KeyId": .string(arn),
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            ])
        var plaintext: [UInt8] = [1, 2, 3]
        #expect(
            KMSHotAnswers.decrypt(plaintext: &plaintext, keyArn: arn, keyMaterialId: nil, algorithm: "SYMMETRIC_DEFAULT") == [
                "Plaintext": .string(Base64.encode([1, 2, 3])), "KeyId": .string(arn),
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            ])
        #expect(plaintext.isEmpty)
        var dataKey: [UInt8]? = nil
        #expect(
            KMSHotAnswers.generateDataKey(ciphertextBlob: [7], plaintext: &dataKey, keyArn: arn, keyMaterialId: "m") == [
                "CiphertextBlob": .string(Base64.encode([7])), "KeyId": .string(arn), "KeyMaterialId": "m",
            ])
    }

    @Test("Grant tokens are read for every operation whose input has them, and only there")
    func operationMembers() {
        let input = RequestInput(members: ["GrantTokens": ["t"], "KeyId": "k"])
        #expect(KMSShapes.OperationMembers(operation: "Encrypt", input: input).grantTokens == ["t"])
        #expect(KMSShapes.OperationMembers(operation: "CreateCustomKeyStore", input: input).grantTokens == nil)
    }
}
