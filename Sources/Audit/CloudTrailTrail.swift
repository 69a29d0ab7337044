public import Foundation

/// A trail's configuration. Rampart records every management call whatever trails exist (the
/// event history LookupEvents reads is always on, as in AWS); a trail names where exports go,
/// whether it is logging, and with its event selectors which data events are recorded.
public struct CloudTrailTrail: Sendable, Codable, Hashable {
    public var accountId: String
    public var region: String
    public var name: String
    public var s3BucketName: String
    public var s3KeyPrefix: String?
    public var includeGlobalServiceEvents: Bool
    public var isMultiRegionTrail: Bool
    public var logFileValidationEnabled: Bool
    public var kmsKeyId: String?
    public var isLogging: Bool
    public var startLoggingTime: Date?
    public var stopLoggingTime: Date?
    public var tags: [String: String]
    /// Set by PutEventSelectors; nil for a trail that never had selectors put (it has AWS's
    /// default, `TrailEventSelectors.default`). Stored apart from the trail's document, so a
    /// change of selectors and a StartLogging never overwrite each other.
    public var eventSelectors: TrailEventSelectors?

    enum CodingKeys: String, CodingKey {
        case accountId, region, name, s3BucketName, s3KeyPrefix, includeGlobalServiceEvents, isMultiRegionTrail
        case logFileValidationEnabled, kmsKeyId, isLogging, startLoggingTime, stopLoggingTime, tags
    }

    /// The selectors in force: those put, or AWS's default.
    public var selectors: TrailEventSelectors { eventSelectors ?? .default }

    public init(
        accountId: String, region: String, name: String, s3BucketName: String, s3KeyPrefix: String?,
        includeGlobalServiceEvents: Bool, isMultiRegionTrail: Bool, logFileValidationEnabled: Bool, kmsKeyId: String?,
        tags: [String: String]
    ) {
        self.accountId = accountId
        self.region = region
        self.name = name
        self.s3BucketName = s3BucketName
        self.s3KeyPrefix = s3KeyPrefix
        self.includeGlobalServiceEvents = includeGlobalServiceEvents
        self.isMultiRegionTrail = isMultiRegionTrail
        self.logFileValidationEnabled = logFileValidationEnabled
        self.kmsKeyId = kmsKeyId
        self.isLogging = false
        self.tags = tags
    }

    public var arn: String { "arn:aws:cloudtrail:\(region):\(accountId):trail/\(name)" }

    /// AWS's rule for trail names: 3–128 characters, letters, digits, `.`, `_`, `-`, starting and
    /// ending with a letter or digit, no `..`, `._`, `-_` and the like.
    public static func isValidName(_ name: String) -> Bool {
        let chars = Array(name)
        guard (3...128).contains(chars.count), let first = chars.first, let last = chars.last,
            first.isLetter || first.isNumber, last.isLetter || last.isNumber
        else { return false }
        let allowed = chars.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "." || $0 == "_" || $0 == "-" }
        let adjacent = zip(chars, chars.dropFirst()).contains { a, b in !(a.isLetter || a.isNumber) && !(b.isLetter || b.isNumber)
        }
        return allowed && !adjacent
    }
}
