import Foundation

/// A function as kept: `$LATEST`, its published versions, aliases, resource policy, event-invoke
/// configurations, reserved concurrency and tags, in one document per function.
struct StoredFunction: Codable, Sendable, Equatable {
    var accountId: String
    var region: String
    var name: String
    var latest: FunctionVersion
    var versions: [FunctionVersion] = []
    var nextVersion = 1
    var aliases: [String: FunctionAlias] = [:]
    /// The resource policy's statements, each a JSON object as GetPolicy shows it.
    var policyStatements: [String] = []
    var policyRevisionId: String?
    /// By qualifier: `$LATEST`, a version number or an alias name.
    var eventInvokeConfigs: [String: EventInvokeConfig] = [:]
    var reservedConcurrency: Int?
    var tags: [String: String] = [:]

    var arn: String { FunctionNames.arn(accountId: accountId, region: region, name: name) }

    /// The version a qualifier names: nil is `$LATEST`; an alias names its version.
    func version(_ qualifier: String?) -> FunctionVersion? {
        guard let qualifier, qualifier != "$LATEST" else { return latest }
        if let alias = aliases[qualifier] { return version(alias.functionVersion) }
        return versions.first { $0.version == qualifier }
    }
}

/// One version's configuration (`$LATEST` or a published number) and its code.
struct FunctionVersion: Codable, Sendable, Equatable {
    var version: String
    var runtime: String?
    var handler: String?
    var role: String
    var description: String
    var timeout: Int
    var memorySize: Int
    var codeSha256: String
    var codeSize: Int
    var environment: SealedEnvironment?
    var kmsKeyArn: String?
    var lastModified: String
    var revisionId: String
    var architectures: [String]
    var ephemeralStorage: Int
    var tracingMode: String
    var deadLetterTarget: String?
    var logFormat: String
    var logGroup: String?
    var packageType: String
}

/// A function's environment variables as kept: the JSON of the variables sealed with AES-GCM
/// under a data key from KMS (under the function's key, or `aws/lambda`); the data key is kept
/// only as KMS's ciphertext.
struct SealedEnvironment: Codable, Sendable, Equatable {
    var keyArn: String
    var encryptedDataKey: [UInt8]
    var sealedVariables: [UInt8]
    /// The names only, for what may be shown without decrypting (never the values).
    var names: [String]
}

struct FunctionAlias: Codable, Sendable, Equatable {
    var name: String
    var functionVersion: String
    var description: String
    var revisionId: String
    var additionalVersionWeights: [String: Double]?
}

struct EventInvokeConfig: Codable, Sendable, Equatable {
    var maximumRetryAttempts: Int?
    var maximumEventAgeInSeconds: Int?
    var onSuccess: String?
    var onFailure: String?
    var lastModified: Date
}
