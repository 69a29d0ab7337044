import AWSProtocol

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
    public func exists(principalArn text: String) async -> Bool {
        guard let arn = ARN(text), arn.region.isEmpty else { return false }
        let path = arn.resourcePath.map(String.init)
        guard let type = path.first, let name = path.last, path.count >= 2 else { return false }
        switch (arn.service, type) {
        case ("iam", "user"):
            return (try? await getUser(accountId: arn.accountId, userName: name)) != nil
        case ("iam", "role"):
            return (try? await getRole(accountId: arn.accountId, roleName: name)) != nil
        case ("sts", "assumed-role") where path.count == 3:
            return (try? await getRole(accountId: arn.accountId, roleName: path[1])) != nil
        default:
            return false
        }
    }
}
