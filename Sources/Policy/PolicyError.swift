/// Why a policy document was refused. Every case is reported on the wire as AWS's
/// `MalformedPolicyDocument` (IAM) / `MalformedPolicyDocumentException` (KMS); `message` follows
/// AWS's wording. Two errors are equal when their codes are equal.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of defect, finer than the single AWS error code.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The text is not valid JSON (or has duplicate member names).
        case invalidJSON
        /// Valid JSON with the wrong shape: unknown fields, wrong types, conflicting elements.
        case syntaxError
        /// `Version` is not `2012-10-17` or `2008-10-17`.
        case invalidVersion
        /// A required element (Statement, Effect, Action, Principal) is missing or empty.
        case missingRequiredField
        /// An identity policy names a Principal/NotPrincipal.
        case principalNotAllowed
        /// A statement of an identity policy has no Resource/NotResource.
        case missingResource
        /// `Effect` is neither `Allow` nor `Deny`.
        case invalidEffect
        /// An action or condition key lacks a `vendor:` prefix.
        case missingVendorPrefix
        /// An unknown condition operator.
        case invalidConditionType
        /// A Principal value that is not `*`, an account id, or a well-formed ARN/service name.
        case invalidPrincipal
        /// A Resource that is neither `*` nor an ARN.
        case invalidResource
        /// A Sid that breaks the rules of its policy kind (identity policies: alphanumeric, unique).
        case invalidSid
    }

    /// The kind of defect.
    public var code: Code
    /// The human-readable message, worded like AWS's.
    public var message: String

    /// Creates an error with an explicit code and message.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public static func == (lhs: PolicyError, rhs: PolicyError) -> Bool { lhs.code == rhs.code }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The AWS error code under which this is reported by IAM.
    public static let awsErrorCode = "MalformedPolicyDocument"
    /// The AWS error code under which this is reported by KMS.
    public static let kmsErrorCode = "MalformedPolicyDocumentException"

    /// The text is not valid JSON.
    public static let invalidJSON = PolicyError(code: .invalidJSON, message: "This policy contains invalid Json")
    /// Unknown fields or wrongly-typed values.
    public static let syntaxError = PolicyError(code: .syntaxError, message: "Syntax errors in policy.")
    /// An unsupported `Version`.
    public static let invalidVersion = PolicyError(code: .invalidVersion, message: "The policy failed legacy parsing")
    /// An identity policy names a principal.
    public static let principalNotAllowed = PolicyError(
        code: .principalNotAllowed, message: "Policy document should not specify a principal.")
    /// A statement of an identity policy has no resources.
    public static let missingResource = PolicyError(
        code: .missingResource, message: "Policy statement must contain resources.")
    /// An action or condition key without `vendor:`.
    public static let missingVendorPrefix = PolicyError(
        code: .missingVendorPrefix,
        message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
    /// An inline identity policy names a principal (IAM's wording for Put*Policy).
    public static func prohibitedField(_ field: String) -> PolicyError {
        PolicyError(code: .principalNotAllowed, message: "Has prohibited field \(field)")
    }
    /// A required element is missing or empty.
    public static func missingRequiredField(_ field: String) -> PolicyError {
        PolicyError(code: .missingRequiredField, message: "Missing required field \(field)")
    }
    /// A KMS key policy statement has no principal.
    public static let keyPolicyMissingPrincipal = PolicyError(
        code: .missingRequiredField, message: "Policy contains a statement with no principal.")
    /// `Effect` is not `Allow`/`Deny`.
    public static func invalidEffect(_ effect: String) -> PolicyError {
        PolicyError(code: .invalidEffect, message: "Invalid effect: \(effect)")
    }
    /// An unknown condition operator.
    public static func invalidConditionType(_ name: String) -> PolicyError {
        PolicyError(code: .invalidConditionType, message: "Invalid Condition type : \(name)")
    }
    /// An invalid Principal value (IAM wording).
    public static func invalidPrincipal(type: String, value: String) -> PolicyError {
        PolicyError(code: .invalidPrincipal, message: "Invalid principal in policy: \"\(type)\":\"\(value)\"")
    }
    /// An invalid Principal value (KMS wording).
    public static let keyPolicyInvalidPrincipal = PolicyError(
        code: .invalidPrincipal, message: "Policy contains a statement with one or more invalid principals.")
    /// A Resource that is not `*` nor an ARN.
    public static func invalidResource(_ resource: String) -> PolicyError {
        PolicyError(code: .invalidResource, message: "Resource \(resource) must be in ARN format or \"*\".")
    }
    /// A non-alphanumeric Sid in an identity policy.
    public static let invalidSid = PolicyError(
        code: .invalidSid,
        message: "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
    /// Repeated Sids in an identity policy.
    public static let duplicateSid = PolicyError(
        code: .invalidSid, message: "Statement IDs (SID) in a single policy must be unique.")
}
