import Testing

@testable import RampartServer

@Suite("TLS: reading the negotiated version and cipher from the ServerHello")
struct TLSServerHelloTests {
    /// A ServerHello record: legacy version 1.2, the given suite, and extensions.
    static func serverHello(
        suite: UInt16, extensions: [UInt8] = [], sessionID: [UInt8] = Array(repeating: 7, count: 32)
    )
        -> [UInt8]
    {
        var body: [UInt8] = [0x03, 0x03] + Array(repeating: 0xAB, count: 32)
        body += [UInt8(sessionID.count)] + sessionID
        body += [UInt8(suite >> 8), UInt8(suite & 0xFF), 0]
        if !extensions.isEmpty { body += [UInt8(extensions.count >> 8), UInt8(extensions.count & 0xFF)] + extensions }
        let handshake: [UInt8] = [2, 0, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        return [22, 0x03, 0x03, UInt8(handshake.count >> 8), UInt8(handshake.count & 0xFF)] + handshake
    }

    /// supported_versions naming TLS 1.3, after an unrelated key_share extension.
    static let tls13Extensions: [UInt8] = [0x00, 0x33, 0x00, 0x02, 0x00, 0x1D] + [0x00, 0x2B, 0x00, 0x02, 0x03, 0x04]

    @Test func tls13NamesItselfInSupportedVersions() {
        let hello = Self.serverHello(suite: 0x1302, extensions: Self.tls13Extensions)
        #expect(
            TLSServerHello.parse(hello) == NegotiatedTLS(version: "TLSv1.3", cipherSuite: "TLS_AES_256_GCM_SHA384"))
    }

    @Test func tls12UsesTheLegacyVersionAndOpenSSLNames() {
        let hello = Self.serverHello(suite: 0xC02F, extensions: [0xFF, 0x01, 0x00, 0x01, 0x00], sessionID: [])
        #expect(
            TLSServerHello.parse(hello)
                == NegotiatedTLS(version: "TLSv1.2", cipherSuite: "ECDHE-RSA-AES128-GCM-SHA256"))
        #expect(TLSServerHello.cipherName(0x009C) == "0x009C")
    }

    @Test func followingRecordsInTheSameWriteAreIgnored() {
        let hello = Self.serverHello(suite: 0x1301, extensions: Self.tls13Extensions) + [20, 3, 3, 0, 1, 1]
        #expect(TLSServerHello.parse(hello)?.cipherSuite == "TLS_AES_128_GCM_SHA256")
    }

    @Test func partialOrForeignBytesGiveNothing() {
        let hello = Self.serverHello(suite: 0x1301, extensions: Self.tls13Extensions)
        for cut in 0..<hello.count - 1 {
            // Too short for its own record header: nothing yet.
            #expect(TLSServerHello.parse(Array(hello.prefix(cut))) == nil)
        }
        #expect(TLSServerHello.parse([21, 3, 3, 0, 2, 2, 40]) == nil)  // an alert
        // Lengths that lie never read past the end.
        var lying = hello
        lying[43] = 0xFF  // session id length
        #expect(TLSServerHello.parse(lying) == nil)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let noise = (0..<Int.random(in: 0..<120, using: &generator)).map { _ in UInt8.random(in: 0...255) }
            _ = TLSServerHello.parse([22, 3, 3, 0, UInt8(noise.count)] + noise)
        }
    }
}
