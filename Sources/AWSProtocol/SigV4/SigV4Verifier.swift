public import Crypto
public import Foundation

/// AWS Signature Version 4, as a server checks it.
public enum SigV4 {
    /// How far a request's time may be from the server's, either way.
    public static let allowedSkew: TimeInterval = 15 * 60

    /// Checks the signature with the secret, and the request time against `now` (the server's
    /// clock): the scope's date must be the request's, `host` must be signed, header-signed
    /// requests must be within 15 minutes, presigned ones within their expiry.
    public static func verify(_ auth: SigV4Authorization, request: SigV4Request, secretAccessKey: String, now: Date)
        throws(SigV4Error)
    {
        let dateOfRequest = String(auth.amzDate.prefix(8))
        guard auth.scope.date == dateOfRequest else {
            throw .invalid(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\(auth.scope.date)' != '\(dateOfRequest)', from '\(auth.amzDate)'."
            )
        }
        guard auth.signedHeaders.contains("host") else {
            throw .incomplete("Signature must include 'host' as a signed header.")
        }
        if !auth.isPresigned, request.header("x-amz-date") != nil, !auth.signedHeaders.contains("x-amz-date") {
            throw .incomplete("Signature must include 'x-amz-date' as a signed header when it is present.")
        }
        try checkTime(auth, now: now)
        guard let given = decodeHex(auth.signature), given.count == 32 else { throw .mismatch }
        let key = signingKey(
            secretAccessKey: secretAccessKey, date: auth.scope.date, region: auth.scope.region, service: auth.scope.service)
        func matches(unsignedPayload: Bool) -> Bool {
            let canonical = canonicalRequest(
                request, signedHeaders: auth.signedHeaders, isPresigned: auth.isPresigned, unsignedPayload: unsignedPayload)
            let toSign = stringToSign(canonicalRequest: canonical, amzDate: auth.amzDate, scope: auth.scope)
            return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Array(toSign.utf8), using: key)
        }
        guard matches(unsignedPayload: false) || (auth.isPresigned && matches(unsignedPayload: true)) else {
            throw .mismatch
        }
    }

    static func checkTime(_ auth: SigV4Authorization, now: Date) throws(SigV4Error) {
        let nowText = formatAmzDate(now)
        if auth.isPresigned {
            let expiry = auth.requestTime.addingTimeInterval(TimeInterval(auth.expiresSeconds ?? 900))
            if now > expiry {
                throw .expired("Request has expired")
            }
            if auth.requestTime > now.addingTimeInterval(allowedSkew) {
                throw .expired(
                    "Signature not yet current: \(auth.amzDate) is still later than \(formatAmzDate(now.addingTimeInterval(allowedSkew))) (\(nowText) + 15 min.)"
                )
            }
            return
        }
        if auth.requestTime < now.addingTimeInterval(-allowedSkew) {
            throw .expired(
                "Signature expired: \(auth.amzDate) is now earlier than \(formatAmzDate(now.addingTimeInterval(-allowedSkew))) (\(nowText) - 15 min.)"
            )
        }
        if auth.requestTime > now.addingTimeInterval(allowedSkew) {
            throw .expired(
                "Signature not yet current: \(auth.amzDate) is still later than \(formatAmzDate(now.addingTimeInterval(allowedSkew))) (\(nowText) + 15 min.)"
            )
        }
    }

    /// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
    public static func signingKey(secretAccessKey: String, date: String, region: String, service: String) -> SymmetricKey {
        func mac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key))
        }
        let kSecret = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        return mac(mac(mac(mac(kSecret, date), region), service), "aws4_request")
    }

    /// The hex signature of `stringToSign` under `key`.
    public static func signature(stringToSign: String, key: SymmetricKey) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    static func decodeHex(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2)
        var i = 0
        while i < bytes.count {
            guard let hi = nibble(bytes[i]), let lo = nibble(bytes[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
