/// Answers whether a principal a resource policy names exists (a user, a role, a role session's
/// role), as AWS requires of key policies. Whole accounts, `*` and service principals are not
/// asked about.
public protocol PrincipalDirectory: Sendable {
    func exists(principalArn: String) async -> Bool
}

/// Every principal exists: for services and tests without IAM.
public struct AnyPrincipalExists: PrincipalDirectory {
    public init() {}
    public func exists(principalArn: String) async -> Bool { true }
}

extension IAMService: PrincipalDirectory {
    public func exists(principalArn arn: String) async -> Bool {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[3].isEmpty else { return false }
        let accountId = String(parts[4])
        let path = parts[5].split(separator: "/").map(String.init)
        guard let type = path.first, path.count >= 2 else { return false }
        switch (parts[2], type) {
        case ("iam", "user"):
            return (try? await getUser(accountId: accountId, userName: path[path.count - 1])) != nil
        case ("iam", "role"):
            return (try? await getRole(accountId: accountId, roleName: path[path.count - 1])) != nil
        case ("sts", "assumed-role") where path.count == 3:
            return (try? await getRole(accountId: accountId, roleName: path[1])) != nil
        default:
            return false
        }
    }
}
