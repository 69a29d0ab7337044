public import AWSProtocol
public import Identity

/// Decides whether a caller may perform a KMS action, on a key or (for CreateKey, ListKeys,
/// ListAliases, GenerateRandom) on none.
///
/// Implementations combine key policies, IAM policies and grants; until those exist, the
/// `AccountOwnerAuthorizer` allows each account's principals on its own keys only.
public protocol KMSAuthorizer: Sendable {
    func authorize(action: String, key: KMSKey?, caller: Caller) -> AWSError?
}

/// Each account's principals may do everything with the account's keys, and nothing with
/// another account's.
public struct AccountOwnerAuthorizer: KMSAuthorizer {
    public init() {}

    public func authorize(action: String, key: KMSKey?, caller: Caller) -> AWSError? {
        guard let key, key.accountId != caller.accountId else { return nil }
        return .accessDenied(
            "User: \(caller.principal.arn) is not authorized to perform: \(action) on resource: \(key.arn) because no resource-based policy allows the \(action) action"
        )
    }
}
