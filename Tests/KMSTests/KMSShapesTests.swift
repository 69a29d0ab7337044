import AWSProtocol
import Foundation
import Testing

@testable import KMS

@Suite("KMS's generated request shapes")
struct KMSShapesTests {
    @Test("A request's members, nested structures, lists of enums and maps come out typed")
    func createGrantDecodes() throws {
        let body = #"""
            {"KeyId":"alias/k","GranteePrincipal":"arn:aws:iam::111122223333:role/r",
             "Operations":["Encrypt","Decrypt"],"Name":"g",
             "Constraints":{"EncryptionContextSubset":{"Dept":"IT"}},"DryRun":true}
            """#
        let input = try RequestValidator(model: .kms).validate(
            operation: "CreateGrant", input: JSONParser.parse(Array(body.utf8)))
        let request = KMSShapes.CreateGrantRequest(input)
        #expect(request.keyId == "alias/k")
        #expect(request.operations == [.encrypt, .decrypt])
        #expect(request.constraints?.encryptionContextSubset == ["Dept": "IT"])
        #expect(request.constraints?.encryptionContextEquals == nil)
        #expect(request.retiringPrincipal == nil)
        #expect(request.dryRun == true)
    }

    @Test("Blobs are decoded from base64, timestamps from epoch seconds, absent members stay nil")
    func blobsAndDates() {
        let input = RequestInput(members: [
            "KeyId": "k", "ImportToken": .string(Base64.encode([1, 2, 3])), "EncryptedKeyMaterial": .string(Base64.encode([9])),
            "ValidTo": .int(1_800_000_000), "ExpirationModel": "KEY_MATERIAL_EXPIRES",
        ])
        let request = KMSShapes.ImportKeyMaterialRequest(input)
        #expect(request.importToken == [1, 2, 3])
        #expect(request.encryptedKeyMaterial == [9])
        #expect(request.validTo == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(request.expirationModel == .keyMaterialExpires)
        #expect(request.importType == nil)
        #expect(request.keyMaterialDescription == nil)
    }

    @Test("Error codes carry the status the model gives them, and match the model's list")
    func errorCodes() {
        let model = ServiceModel.kms
        for code in KMSShapes.ErrorCode.allCases {
            #expect(model.errorStatus[code.rawValue] == code.httpStatus, "\(code.rawValue)")
        }
        #expect(Set(KMSShapes.ErrorCode.allCases.map(\.rawValue)) == Set(model.errorStatus.keys))
        let error = AWSError(KMSShapes.ErrorCode.notFoundException, message: "m")
        #expect(error.code == "NotFoundException" && error.httpStatus == 400)
    }

    @Test("Every operation the table serves has its typed input")
    func servedOperationsHaveShapes() {
        // Differs when the table changed and `Scripts/generate-models.py` was not run again.
        let served = KMSOperations.readOnly + KMSOperations.changes
        #expect(Set(served) == KMSShapes.servedOperations)
    }
}
