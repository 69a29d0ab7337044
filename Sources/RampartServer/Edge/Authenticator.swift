import AWSProtocol
import Crypto
import Foundation
import HTTPTypes
import Identity
import RampartCore
import Synchronization

/// SigV4 authentication: parses the signature, finds the access key, checks the signature and
/// the clock, and returns the caller.
///
/// The skew window reads `clock`, which is the machine's clock even when the service clock is
/// moved with `--dev-clock`: clients sign with their own real time. Temporary credentials
/// expire on `sessionClock`, the service clock.
struct Authenticator: Sendable {
    let identity: IdentityService
    let clock: any ServiceClock
    let sessionClock: any ServiceClock
    let signingKeys = SigningKeyCache()

    init(identity: IdentityService, clock: any ServiceClock, sessionClock: (any ServiceClock)? = nil) {
        self.identity = identity
        self.clock = clock
        self.sessionClock = sessionClock ?? clock
    }

    struct Outcome: Sendable {
        var caller: Caller?
        var error: AWSError?
        /// The access key id the request claimed, even when it failed.
        var accessKeyId: String?
    }

    /// The SigV4 view of an HTTP request. Host travels as the `:authority` pseudo header in
    /// HTTPTypes, so it is put back among the headers for canonicalization.
    static func sigV4Request(method: String, path: String, query: String, head: HTTPRequest, body: [UInt8]) -> SigV4Request {
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(head.headerFields.count + 1)
        if let authority = head.authority, !head.headerFields.contains(where: { $0.name.canonicalName == "host" }) {
            headers.append((name: "host", value: authority))
        }
        for field in head.headerFields {
            headers.append((name: field.name.canonicalName, value: field.value))
        }
        return SigV4Request(
            method: method, path: path, query: query, headers: headers, payloadSHA256: Hex.sha256(body))
    }

    /// Parses only: which service and region the request is scoped to (Query dispatch needs it
    /// before authentication).
    static func scope(of request: SigV4Request) -> SigV4Scope? {
        try? SigV4.parse(request).scope
    }

    func authenticate(
        _ request: SigV4Request, service expected: String, wire: WireProtocol, sourceIP: String, userAgent: String?,
        secure: Bool
    ) async -> Outcome {
        let auth: SigV4Authorization
        do {
            auth = try SigV4.parse(request)
        } catch {
            return Outcome(error: error.awsError(for: wire))
        }
        let scope = auth.scope
        if scope.service != expected {
            return Outcome(
                error: SigV4Error(
                    kind: .incompleteSignature, message: "Credential should be scoped to correct service: '\(expected)'. "
                )
                .awsError(for: wire), accessKeyId: scope.accessKeyId)
        }
        if !Region.isValid(scope.region) {
            return Outcome(
                error: SigV4Error(kind: .incompleteSignature, message: "Credential should be scoped to a valid region. ")
                    .awsError(for: wire), accessKeyId: scope.accessKeyId)
        }
        let credential: Credential?
        do {
            credential = try await identity.credential(accessKeyId: scope.accessKeyId)
        } catch {
            return Outcome(error: .internalFailure(), accessKeyId: scope.accessKeyId)
        }
        let unrecognized = SigV4Error(
            kind: .unrecognizedClient, message: "The security token included in the request is invalid.")
        guard let credential, credential.active else {
            return Outcome(error: unrecognized.awsError(for: wire), accessKeyId: scope.accessKeyId)
        }
        if let tokenHash = credential.sessionTokenHash {
            guard let given = auth.securityToken,
                ConstantTime.equals(Array(STSService.tokenHash(given).utf8), Array(tokenHash.utf8))
            else {
                return Outcome(error: unrecognized.awsError(for: wire), accessKeyId: scope.accessKeyId)
            }
        }
        if let expiration = credential.expiration, expiration <= sessionClock.now {
            let message = "The security token included in the request is expired"
            let error: AWSError =
                switch wire {
                case .json, .restJSON: AWSError(code: "ExpiredTokenException", message: message)
                case .query, .ec2: AWSError(code: "ExpiredToken", message: message, httpStatus: 403)
                }
            return Outcome(error: error, accessKeyId: scope.accessKeyId)
        }
        do {
            let key = signingKeys.key(for: credential, scope: scope)
            try SigV4.verify(auth, request: request, signingKey: key, now: clock.now)
        } catch {
            return Outcome(error: error.awsError(for: wire), accessKeyId: scope.accessKeyId)
        }
        var caller = Caller(
            principal: credential.principal, accessKeyId: credential.accessKeyId, region: scope.region,
            sourceIPAddress: sourceIP, userAgent: userAgent, secureTransport: secure)
        caller.sessionPolicy = credential.sessionPolicy
        return Outcome(caller: caller, accessKeyId: scope.accessKeyId)
    }
}

/// Comparison whose time does not depend on where the inputs differ.
enum ConstantTime {
    static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

/// Signing keys by access key and scope: the four chained HMACs run once per key, day, region
/// and service instead of on every request. The entry is keyed by the secret too, so a changed
/// secret never meets a stale key.
final class SigningKeyCache: Sendable {
    private struct Entry: Hashable {
        var accessKeyId: String
        var secretAccessKey: String
        var scope: SigV4Scope
    }
    private let keys = Mutex<[Entry: SymmetricKey]>([:])

    func key(for credential: Credential, scope: SigV4Scope) -> SymmetricKey {
        let entry = Entry(accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey, scope: scope)
        if let hit = keys.withLock({ $0[entry] }) { return hit }
        let key = SigV4.signingKey(
            secretAccessKey: credential.secretAccessKey, date: scope.date, region: scope.region, service: scope.service)
        keys.withLock { cache in
            if cache.count >= 4096 { cache.removeAll() }
            cache[entry] = key
        }
        return key
    }
}
