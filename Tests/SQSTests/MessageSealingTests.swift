import Foundation
import Testing

@testable import SQS

@Suite struct MessageSealingTests {
    let key = [UInt8](repeating: 7, count: 32)

    @Test func aSealedBodyOpensOnlyForItsMessage() throws {
        let sealed = try MessageSealing.seal("orders ✓", key: key, messageId: "m-1")
        #expect(!sealed.contains("orders"))
        #expect(try MessageSealing.open(sealed, key: key, messageId: "m-1") == "orders ✓")
        #expect(throws: (any Error).self) { try MessageSealing.open(sealed, key: key, messageId: "m-2") }
        #expect(throws: (any Error).self) {
            try MessageSealing.open(sealed, key: [UInt8](repeating: 8, count: 32), messageId: "m-1")
        }
        #expect(throws: (any Error).self) { try MessageSealing.open("not base64!", key: key, messageId: "m-1") }
    }

    @Test func twoSealsOfOneBodyDiffer() throws {
        #expect(try MessageSealing.seal("x", key: key, messageId: "m") != MessageSealing.seal("x", key: key, messageId: "m"))
    }

    @Test func cachedKeysExpireAndTheCacheStaysBounded() {
        let cache = DataKeyCache(capacity: 2)
        let start = Date(timeIntervalSince1970: 1_000)
        let entry = DataKeyCache.Entry(plaintext: key, ciphertextBlob: "blob", expires: start.addingTimeInterval(300))
        cache.put("a", entry, now: start)
        #expect(cache.get("a", now: start.addingTimeInterval(299))?.plaintext == key)
        #expect(cache.get("a", now: start.addingTimeInterval(300)) == nil)
        cache.put("a", entry, now: start)
        cache.put("b", entry, now: start)
        cache.put("c", entry, now: start)
        let kept = ["a", "b", "c"].filter { cache.get($0, now: start) != nil }
        #expect(kept.count == 2 && kept.contains("c"))
    }
}
