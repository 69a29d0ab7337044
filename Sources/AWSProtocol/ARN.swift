/// An Amazon Resource Name: `arn:partition:service:region:account:resource`.
public struct ARN: Sendable, Hashable, CustomStringConvertible {
    public var partition: String
    public var service: String
    public var region: String
    public var accountId: String
    public var resource: String

    public init(partition: String = "aws", service: String, region: String, accountId: String, resource: String) {
        self.partition = partition
        self.service = service
        self.region = region
        self.accountId = accountId
        self.resource = resource
    }

    /// Parses an ARN; nil when it does not have the six parts.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        self.init(
            partition: String(parts[1]), service: String(parts[2]), region: String(parts[3]),
            accountId: String(parts[4]), resource: String(parts[5]))
    }

    /// The account field of `text`, read without parsing the rest (for hot paths); nil when
    /// `text` is not an ARN.
    public static func accountId(in text: String) -> Substring? {
        guard text.hasPrefix("arn:") else { return nil }
        var colons = 0
        var start = text.startIndex
        for i in text.utf8.indices where text.utf8[i] == UInt8(ascii: ":") {
            colons += 1
            if colons == 4 { start = text.utf8.index(after: i) }
            if colons == 5 { return text[start..<i] }
        }
        return nil
    }

    public var description: String { "arn:\(partition):\(service):\(region):\(accountId):\(resource)" }

    /// The resource's path segments, for `type/path/name` resources (IAM users, roles and
    /// policies, STS role sessions): `["role", "team", "deployer"]`.
    public var resourcePath: [Substring] { resource.split(separator: "/", omittingEmptySubsequences: false) }
}

/// Region names as AWS spells them: `us-east-1`, `eu-west-2`, `cn-north-1`, `us-gov-west-1`.
public enum Region {
    public static func isValid(_ name: String) -> Bool {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.count <= 4, let last = parts.last, let n = Int(last), n >= 1, n <= 99 else { return false }
        return parts.dropLast().allSatisfy { p in !p.isEmpty && p.allSatisfy { $0.isASCII && $0.isLowercase } }
    }
}
