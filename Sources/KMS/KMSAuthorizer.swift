public import AWSProtocol
public import Identity
public import KMSCiphertext

/// What a KMS call asks permission for.
public struct KMSAccessRequest: Sendable {
    /// `kms:Encrypt` and so on.
    public var action: String
    /// The key acted on; nil for CreateKey, ListKeys, ListAliases, GenerateRandom, ListRetirableGrants.
    public var key: KMSKey?
    public var caller: Caller
    public var encryptionContext: EncryptionContext?
    /// Operation-specific condition keys (`kms:RequestAlias`, `kms:GrantOperations`, ...).
    public var conditionKeys: [String: [String]]
    /// For requests about no key: the resource IAM policies are matched against (an alias ARN);
    /// `*` when nil.
    public var resource: String?

    public init(
        action: String, key: KMSKey?, caller: Caller, encryptionContext: EncryptionContext? = nil,
        conditionKeys: [String: [String]] = [:], resource: String? = nil
    ) {
        self.action = action
        self.key = key
        self.caller = caller
        self.encryptionContext = encryptionContext
        self.conditionKeys = conditionKeys
        self.resource = resource
    }

    /// The action's name without the `kms:` prefix: the operation a grant names.
    public var operation: String { String(action.dropFirst(4)) }
}

/// Decides whether a caller may perform a KMS action, from key policies and identity
/// policies. Grants are checked by the key service itself when this says no.
public protocol KMSAuthorizer: Sendable {
    /// nil to allow; otherwise the AccessDeniedException to answer with.
    func authorize(_ request: KMSAccessRequest) -> AWSError?
}

/// Each account's principals may do everything with the account's keys, and nothing with
/// another account's: the rule before key and IAM policies are enforced (unit tests use it).
public struct AccountOwnerAuthorizer: KMSAuthorizer {
    public init() {}

    public func authorize(_ request: KMSAccessRequest) -> AWSError? {
        guard let key = request.key, key.accountId != request.caller.accountId else { return nil }
        return .accessDenied(
            AccessDeniedMessage.text(request, because: "no resource-based policy allows the \(request.action) action"))
    }
}

/// AWS's AccessDeniedException wording.
public enum AccessDeniedMessage {
    public static func text(_ request: KMSAccessRequest, because reason: String) -> String {
        let resource = request.key?.arn ?? "*"
        return
            "User: \(request.caller.principal.arn) is not authorized to perform: \(request.action) on resource: \(resource) because \(reason)"
    }
}
