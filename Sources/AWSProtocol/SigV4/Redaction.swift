/// What SigV4 error messages may echo of an Authorization header: AWS repeats the header, but
/// our messages never carry a signature or another scheme's credential.
enum Redaction {
    /// A `AWS4-HMAC-SHA256 …` header (or a part of it) with every signature value replaced by
    /// `(hidden)`: the text after `Signature` (any case, then `=` or `:`) up to the next comma,
    /// and any run of 32 or more hex digits.
    static func hidingSignatures(_ text: some StringProtocol) -> String {
        var out: [UInt8] = []
        if text.utf8.withContiguousStorageIfAvailable({ hide(in: $0, to: &out) }) == nil {
            Array(text.utf8).withUnsafeBufferPointer { hide(in: $0, to: &out) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Another scheme's header (`Basic …`, `Bearer …`) carries a credential: only a plausible
    /// scheme name followed by `(hidden)` is echoed.
    static func foreignScheme(_ header: some StringProtocol) -> String {
        let bytes = Array(header.utf8)
        var start = 0
        while start < bytes.count, isBlank(bytes[start]) { start += 1 }
        var end = start
        while end < bytes.count, !isBlank(bytes[end]) { end += 1 }
        let isToken = bytes[start..<end].allSatisfy {
            $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || ($0 | 0x20) &- UInt8(ascii: "a") < 26
                || $0 &- UInt8(ascii: "0") < 10
        }
        guard end > start, end < bytes.count, end - start <= 32, isToken else { return "(hidden)" }
        return String(decoding: bytes[start..<end], as: UTF8.self) + " (hidden)"
    }

    private static let hidden = Array("(hidden)".utf8)
    private static let signature = Array("signature".utf8)

    private static func hide(in b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if startsWithSignature(b, at: i) {
                var j = i + signature.count
                while j < b.count, isBlank(b[j]) { j += 1 }
                if j < b.count, b[j] == UInt8(ascii: "=") || b[j] == UInt8(ascii: ":") { j += 1 }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<j]))
                var end = j
                while end < b.count, b[end] != UInt8(ascii: ",") { end += 1 }
                if end > j { out.append(contentsOf: hidden) }
                i = end
            } else if Hex.value(b[i]) != nil {
                var end = i
                while end < b.count, Hex.value(b[end]) != nil { end += 1 }
                if end - i >= 32 {
                    out.append(contentsOf: hidden)
                } else {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<end]))
                }
                i = end
            } else {
                out.append(b[i])
                i += 1
            }
        }
    }

    private static func startsWithSignature(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard b.count - i >= signature.count else { return false }
        for k in 0..<signature.count where b[i + k] | 0x20 != signature[k] { return false }
        return true
    }

    @inline(__always)
    private static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
}
