public import Foundation

/// An IAM user.
public struct IAMUser: Sendable, Codable, Hashable {
    public var accountId: String
    public var userName: String
    /// `AIDA` and 17 characters.
    public var userId: String
    public var path: String
    public var createDate: Date
    public var tags: [IAMTag]
    /// ARNs of the managed policies attached (nil in documents from before managed policies).
    public var attachedPolicies: [String]?
    /// The ARN of the managed policy that bounds what the user's policies can grant (nil: none).
    public var permissionsBoundary: String?

    public init(accountId: String, userName: String, userId: String, path: String, createDate: Date, tags: [IAMTag]) {
        self.accountId = accountId
        self.userName = userName
        self.userId = userId
        self.path = path
        self.createDate = createDate
        self.tags = tags
    }

    public var arn: String { "arn:aws:iam::\(accountId):user\(path)\(userName)" }

    public var principal: Principal {
        Principal(kind: .iamUser, accountId: accountId, arn: arn, userId: userId, userName: userName)
    }
}

public struct IAMTag: Sendable, Codable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// Who an inline policy belongs to.
public enum PolicyOwner: Sendable, Hashable {
    case user(String)
    case group(String)
    case role(String)

    public var kind: String {
        switch self {
        case .user: return "user"
        case .group: return "group"
        case .role: return "role"
        }
    }

    public var name: String {
        switch self {
        case .user(let n), .group(let n), .role(let n): return n
        }
    }
}
