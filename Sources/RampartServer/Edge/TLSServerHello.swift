/// What a TLS connection settled on, as CloudTrail's `tlsDetails` names it.
struct NegotiatedTLS: Sendable, Equatable {
    /// `TLSv1.2` or `TLSv1.3`.
    var version: String
    /// IANA names for TLS 1.3 suites, OpenSSL names for TLS 1.2 ones, as AWS records them.
    var cipherSuite: String
}

/// Reads the server's choice of version and cipher suite from its ServerHello, the one handshake
/// message every TLS version sends in the clear.
enum TLSServerHello {
    /// Parses the first TLS record the server wrote; nil unless it holds a whole ServerHello.
    static func parse(_ bytes: [UInt8]) -> NegotiatedTLS? {
        var reader = Reader(bytes)
        // Record header: handshake (22), legacy version, length.
        guard reader.byte() == 22, reader.skip(2), let recordLength = reader.uint16(),
            reader.remaining >= Int(recordLength)
        else { return nil }
        // Handshake header: server_hello (2), 24-bit length.
        guard reader.byte() == 2, reader.skip(3), let legacyVersion = reader.uint16(), reader.skip(32),
            let sessionIDLength = reader.byte(), reader.skip(Int(sessionIDLength)), let suite = reader.uint16(),
            reader.skip(1)
        else { return nil }
        var version = legacyVersion
        // TLS 1.3 keeps 1.2 in the legacy field and names itself in supported_versions (43).
        if let extensionsLength = reader.uint16(), reader.remaining >= Int(extensionsLength) {
            var extensions = Reader(Array(reader.take(Int(extensionsLength))))
            while let type = extensions.uint16(), let length = extensions.uint16() {
                let body = Array(extensions.take(Int(length)))
                if type == 43, body.count == 2 { version = UInt16(body[0]) << 8 | UInt16(body[1]) }
            }
        }
        return NegotiatedTLS(version: versionName(version), cipherSuite: cipherName(suite))
    }

    static func versionName(_ code: UInt16) -> String {
        switch code {
        case 0x0304: "TLSv1.3"
        case 0x0303: "TLSv1.2"
        case 0x0302: "TLSv1.1"
        case 0x0301: "TLSv1"
        default: "unknown"
        }
    }

    static func cipherName(_ code: UInt16) -> String {
        switch code {
        case 0x1301: "TLS_AES_128_GCM_SHA256"
        case 0x1302: "TLS_AES_256_GCM_SHA384"
        case 0x1303: "TLS_CHACHA20_POLY1305_SHA256"
        case 0xC02B: "ECDHE-ECDSA-AES128-GCM-SHA256"
        case 0xC02C: "ECDHE-ECDSA-AES256-GCM-SHA384"
        case 0xC02F: "ECDHE-RSA-AES128-GCM-SHA256"
        case 0xC030: "ECDHE-RSA-AES256-GCM-SHA384"
        case 0xCCA8: "ECDHE-RSA-CHACHA20-POLY1305"
        case 0xCCA9: "ECDHE-ECDSA-CHACHA20-POLY1305"
        default:
            { hex in "0x" + String(repeating: "0", count: 4 - hex.count) + hex }(String(code, radix: 16, uppercase: true))
        }
    }

    /// A cursor over bytes that answers nil instead of reading past the end.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        var remaining: Int { bytes.count - offset }

        mutating func byte() -> UInt8? {
            guard remaining >= 1 else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func uint16() -> UInt16? {
            guard remaining >= 2 else { return nil }
            defer { offset += 2 }
            return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        }

        mutating func skip(_ count: Int) -> Bool {
            guard count >= 0, remaining >= count else { return false }
            offset += count
            return true
        }

        /// Up to `count` bytes.
        mutating func take(_ count: Int) -> ArraySlice<UInt8> {
            let end = offset + min(max(count, 0), remaining)
            defer { offset = end }
            return bytes[offset..<end]
        }
    }
}
