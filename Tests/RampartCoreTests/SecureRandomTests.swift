import RampartCore
import Testing

@Suite struct SecureRandomTests {
    @Test func bytesDifferEachCall() {
        let a = SecureRandom.bytes(32)
        let b = SecureRandom.bytes(32)
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b)
        #expect(SecureRandom.bytes(0).isEmpty)
    }

    @Test func identifierBytesSpanPoolRefills() {
        // More than the 4 KiB pool in odd-sized pieces: every piece is filled, none repeats.
        var seen = Set<[UInt8]>()
        for size in [1, 7, 16, 4095, 4097, 10_000, 16] {
            var piece = [UInt8](repeating: 0, count: size)
            piece.withUnsafeMutableBytes { SecureRandom.fillIdentifier($0) }
            if size >= 16 {
                #expect(!seen.contains(piece))
                seen.insert(piece)
                // A run of 16 zero bytes would mean a piece was left unfilled.
                let zeroRun = piece.indices.dropLast(15).contains { i in piece[i..<(i + 16)].allSatisfy { $0 == 0 } }
                #expect(!zeroRun)
            }
        }
    }

    @Test func uuidsAreVersion4AndUnique() {
        let ids = (0..<2000).map { _ in UUIDText.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(50) {
            let chars = Array(id)
            #expect(chars.count == 36 && chars[14] == "4" && "89ab".contains(chars[19]))
        }
    }
}
