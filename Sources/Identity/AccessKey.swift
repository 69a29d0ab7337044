import AWSProtocol
import Crypto
public import Foundation

/// An access key as stored: the secret only sealed by the key vault.
public struct AccessKeyRecord: Sendable, Hashable {
    public enum Status: String, Sendable {
        case active = "Active"
        case inactive = "Inactive"
    }

    public var accessKeyId: String
    public var accountId: String
    /// The IAM user the key belongs to; nil for the account's root.
    public var userName: String?
    public var sealedSecret: [UInt8]
    public var status: Status
    public var createDate: Date

    public init(
        accessKeyId: String, accountId: String, userName: String?, sealedSecret: [UInt8], status: Status,
        createDate: Date
    ) {
        self.accessKeyId = accessKeyId
        self.accountId = accountId
        self.userName = userName
        self.sealedSecret = sealedSecret
        self.status = status
        self.createDate = createDate
    }

    /// What the vault binds the sealed secret to.
    public static func vaultContext(accessKeyId: String) -> String { "iam:access-key:\(accessKeyId)" }
}

/// A usable credential: what SigV4 verification needs, held in memory only.
public struct Credential: Sendable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var principal: Principal
    public var active: Bool
    /// For temporary credentials: the SHA-256 (hex) of the session token they must be presented
    /// with, when they expire, and the session policy that narrows them.
    public var sessionTokenHash: String?
    public var expiration: Date?
    public var sessionPolicy: String?

    public init(
        accessKeyId: String, secretAccessKey: String, principal: Principal, active: Bool = true,
        sessionTokenHash: String? = nil, expiration: Date? = nil, sessionPolicy: String? = nil
    ) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.principal = principal
        self.active = active
        self.sessionTokenHash = sessionTokenHash
        self.expiration = expiration
        self.sessionPolicy = sessionPolicy
    }
}

/// Identifiers in AWS's forms, from the system's CSPRNG.
public enum IdentityIdentifiers {
    private static let base32: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    private static let secretAlphabet: [Character] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    /// `AKIA` (long-term) or `ASIA` (temporary) and 16 characters.
    public static func accessKeyId(prefix: String = "AKIA") -> String {
        prefix + randomString(count: 16, alphabet: base32)
    }

    /// A unique id such as `AIDA...` (user) or `AROA...` (role): prefix and 17 characters.
    public static func uniqueId(prefix: String) -> String {
        prefix + randomString(count: 17, alphabet: base32)
    }

    /// A session token: 128 characters of base64 from 96 random bytes.
    public static func sessionToken() -> String {
        var rng = SystemRandomNumberGenerator()
        return Base64.encode((0..<96).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    /// A 40-character secret access key.
    public static func secretAccessKey() -> String {
        randomString(count: 40, alphabet: secretAlphabet)
    }

    static func randomString(count: Int, alphabet: [Character]) -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(rng.next(upperBound: UInt32(alphabet.count)))] })
    }
}
