public import Crypto
public import Foundation

/// AWS Signature Version 4: parsing (``parse(_:)``), verification (``verify(_:request:secretAccessKey:now:)``),
/// and the canonicalization both sides share. Signing is ``SigV4Signer``.
public enum SigV4 {
    /// How far a header-signed request's time may be from the server's clock, either way: 15 minutes.
    public static let allowedSkew: TimeInterval = 15 * 60

    /// Checks a parsed signature against the request, with the access key's secret and the
    /// server's clock `now`, in this order:
    ///
    /// 1. the scope's date is the request date's first 8 characters (else `invalidSignature`);
    /// 2. `host` is signed, and so is `x-amz-date` when the request has that header (else
    ///    `incompleteSignature`);
    /// 3. the time: header-signed requests within 15 minutes of `now` either way; presigned URLs
    ///    when `now` is within `[requestTime - 15 min, requestTime + X-Amz-Expires]`, expiry
    ///    1...604800 seconds, 900 when absent (else `signatureExpired`);
    /// 4. a signed `x-amz-content-sha256` must be the body's hash or `UNSIGNED-PAYLOAD`;
    /// 5. the signature, compared in constant time (else `invalidSignature`).
    ///
    /// The scope's region and service, the access key's existence and the session token are the
    /// caller's to check.
    public static func verify(
        _ auth: SigV4Authorization, request: SigV4Request, secretAccessKey: String, now: Date
    )
        throws(SigV4Error)
    {
        try checkBeforeSignature(auth, request: request, now: now)
        let key = signingKey(
            secretAccessKey: secretAccessKey, date: auth.scope.date, region: auth.scope.region, service: auth.scope.service)
        try checkSignature(auth, request: request, key: key)
    }

    /// ``verify(_:request:secretAccessKey:now:)`` with a signing key the caller cached; it must be
    /// ``signingKey(secretAccessKey:date:region:service:)`` for `auth.scope`.
    public static func verify(
        _ auth: SigV4Authorization, request: SigV4Request, signingKey: SymmetricKey, now: Date
    )
        throws(SigV4Error)
    {
        try checkBeforeSignature(auth, request: request, now: now)
        try checkSignature(auth, request: request, key: signingKey)
    }

    /// The signing key, `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
    /// "aws4_request")`. It depends only on its arguments, so callers may cache it per access
    /// key and scope (it changes daily).
    public static func signingKey(secretAccessKey: String, date: String, region: String, service: String) -> SymmetricKey {
        var secret: [UInt8] = []
        secret.reserveCapacity(4 + secretAccessKey.utf8.count)
        secret.append(contentsOf: "AWS4".utf8)
        secret.append(contentsOf: secretAccessKey.utf8)
        var key = SymmetricKey(data: secret)
        for step in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: mac(step, key: key))
        }
        return key
    }

    /// The lowercase hex HMAC-SHA256 of `stringToSign` under `key`: the signature.
    public static func signature(stringToSign: String, key: SymmetricKey) -> String {
        Hex.lowercase(mac(stringToSign, key: key))
    }

    // MARK: - Checks

    private static func checkBeforeSignature(
        _ auth: SigV4Authorization, request: SigV4Request, now: Date
    )
        throws(SigV4Error)
    {
        guard auth.amzDate.utf8.count >= 8, auth.scope.date == auth.amzDate.prefix(8) else {
            throw .scopeDateMismatch(scopeDate: auth.scope.date, amzDate: auth.amzDate)
        }
        guard auth.signedHeaders.contains("host") else {
            throw .incompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        }
        if !auth.isPresigned, !auth.signedHeaders.contains("x-amz-date"), request.count(ofHeader: "x-amz-date") > 0 {
            throw .incompleteSignature("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
        }
        try checkTime(auth, now: now)
    }

    static func checkTime(_ auth: SigV4Authorization, now: Date) throws(SigV4Error) {
        let latest = now.addingTimeInterval(allowedSkew)
        if auth.requestTime > latest {
            throw .signatureExpired(
                "Signature not yet current: \(auth.amzDate) is still later than \(AmzDate.format(latest)) (\(AmzDate.format(now)) + 15 min.)"
            )
        }
        let window: Int
        if auth.isPresigned {
            window = auth.expiresSeconds ?? Int(allowedSkew)
            try checkExpires(window)
        } else {
            window = Int(allowedSkew)
        }
        let earliest = now.addingTimeInterval(-TimeInterval(window))
        if auth.requestTime < earliest {
            let span = window % 60 == 0 ? "\(window / 60) min." : "\(window) sec."
            throw .signatureExpired(
                "Signature expired: \(auth.amzDate) is now earlier than \(AmzDate.format(earliest)) (\(AmzDate.format(now)) - \(span))"
            )
        }
    }

    private static func checkSignature(_ auth: SigV4Authorization, request: SigV4Request, key: SymmetricKey) throws(SigV4Error) {
        let payload = signedPayloadHash(request, signedHeaders: auth.signedHeaders, isPresigned: auth.isPresigned)
        guard payload.matchesBody else { throw .contentSHA256Mismatch }
        guard let given = Hex.decodeLowercase(auth.signature, byteCount: SHA256.byteCount) else {
            throw .signatureDoesNotMatch
        }
        let canonical = canonicalRequestBytes(
            request, signedHeaders: auth.signedHeaders, isPresigned: auth.isPresigned, payloadHash: payload.value)
        let toSign = stringToSignBytes(
            canonicalRequestHash: SHA256.hash(data: canonical), amzDate: auth.amzDate, scope: auth.scope)
        guard HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: toSign, using: key) else {
            throw .signatureDoesNotMatch
        }
    }

    static func mac(_ text: String, key: SymmetricKey) -> HashedAuthenticationCode<SHA256> {
        text.withContiguousUTF8 { HMAC<SHA256>.authenticationCode(for: UnsafeRawBufferPointer($0), using: key) }
    }
}
