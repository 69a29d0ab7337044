import Crypto

/// The SHA-256 of a request body in lowercase hex, as SigV4 wants it.
enum PayloadHash {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func sha256Hex(_ body: [UInt8]) -> String {
        let digest = SHA256.hash(data: body)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
