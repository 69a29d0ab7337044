import Crypto
import Foundation
import Testing

@testable import KMS

@Suite("A live key: its box is copied on write, its materials and last use kept compactly")
struct LiveKeyTests {
    typealias LiveKey = KeyManagementService.LiveKey

    static func key(materials ids: [String]) -> KMSKey {
        KMSKey(
            keyId: "k-1", accountId: "111111111111", region: "us-east-1", creationDate: Date(timeIntervalSince1970: 0),
            description: "", keyUsage: .encryptDecrypt, keySpec: .symmetricDefault, origin: .awsKMS, keyManager: .customer,
            keyState: .enabled, deletionDate: nil, pendingDeletionWindowInDays: nil, policy: "{}", tags: [], rotation: nil,
            materials: ids.map { KeyMaterialInfo(materialId: $0, createdAt: Date(timeIntervalSince1970: 0)) },
            onDemandRotationStartDate: nil,
            lastUsage: KeyLastUsage(operation: "Encrypt", timestamp: Date(timeIntervalSince1970: 5), requestId: "r-0"))
    }

    static func material() -> KeyMaterial { .symmetric(SymmetricKey(size: .bits256)) }

    static func bytes(_ material: KeyMaterial?) -> [UInt8]? { material?.secret }

    @Test func materialsAreFoundAddedAndRemovedWhereverTheyAre() {
        let (a, b, c) = (Self.material(), Self.material(), Self.material())
        var live = LiveKey(key: Self.key(materials: ["a", "b"]), materials: ["a": a, "b": b])
        #expect(Self.bytes(live.materials["a"]) == a.secret)
        #expect(Self.bytes(live.materials["b"]) == b.secret)
        live.materials["c"] = c
        // Removing whichever is held first keeps the others.
        for id in ["a", "b"] where live.materials[id] != nil {
            live.materials[id] = nil
            #expect(live.materials[id] == nil)
        }
        #expect(Self.bytes(live.materials["c"]) == c.secret)
        live.materials["c"] = nil
        #expect(live.materials["c"] == nil)
        live.materials["a"] = a
        #expect(Self.bytes(live.materials["a"]) == a.secret)
    }

    @Test func changingACopyLeavesTheOriginal() {
        let original = LiveKey(key: Self.key(materials: ["a"]), materials: ["a": Self.material()])
        var copy = original
        copy.key.keyState = .disabled
        copy.materials["a"] = nil
        #expect(original.key.keyState == .enabled)
        #expect(original.materials["a"] != nil)
        #expect(copy.key.keyState == .disabled)
    }

    @Test func theLastUseLeavesTheRecordAndIsQueuedOncePerWrite() {
        let live = LiveKey(key: Self.key(materials: []), materials: [:])
        #expect(live.key.lastUsage == nil)
        #expect(live.lastUsage?.requestId == "r-0")
        let use = { (id: String) in KeyLastUsage(operation: "Decrypt", timestamp: Date(), requestId: id) }
        #expect(live.noteUsage(use("r-1")))
        #expect(!live.noteUsage(use("r-2")))
        #expect(live.takeUsageToWrite()?.requestId == "r-2")
        #expect(live.noteUsage(use("r-3")))
        #expect(live.lastUsage?.requestId == "r-3")
    }
}
