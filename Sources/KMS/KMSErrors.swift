public import AWSProtocol

/// Every error KMS answers with, named once with AWS's code and status.
extension AWSError {
    public static func kmsNotFound(_ message: String) -> AWSError {
        AWSError(code: "NotFoundException", message: message)
    }

    public static func keyNotFound(_ keyArn: String) -> AWSError {
        kmsNotFound("Key '\(keyArn)' does not exist")
    }

    public static func aliasNotFound(_ aliasArn: String) -> AWSError {
        kmsNotFound("Alias \(aliasArn) is not found.")
    }

    public static func invalidKeyId(_ keyId: String) -> AWSError {
        kmsNotFound("Invalid keyId '\(keyId)'")
    }

    public static func invalidArn(_ message: String) -> AWSError {
        AWSError(code: "InvalidArnException", message: message)
    }

    public static func disabled(_ keyArn: String) -> AWSError {
        AWSError(code: "DisabledException", message: "\(keyArn) is disabled.")
    }

    public static func kmsInvalidState(_ message: String) -> AWSError {
        AWSError(code: "KMSInvalidStateException", message: message)
    }

    public static let invalidCiphertext = AWSError(code: "InvalidCiphertextException", message: "")

    public static func incorrectKey() -> AWSError {
        AWSError(
            code: "IncorrectKeyException",
            message: "The key ID in the request does not identify a CMK that can perform this operation.")
    }

    public static func alreadyExists(_ message: String) -> AWSError {
        AWSError(code: "AlreadyExistsException", message: message)
    }

    /// AWS's answer to an alias name without the `alias/` prefix.
    public static func aliasPrefixMissing() -> AWSError {
        .validation(
            message:
                "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
        )
    }

    public static func invalidAliasName(_ message: String) -> AWSError {
        AWSError(code: "InvalidAliasNameException", message: message)
    }

    public static func kmsLimitExceeded(_ message: String) -> AWSError {
        AWSError(code: "LimitExceededException", message: message)
    }

    public static func unsupportedOperation(_ message: String) -> AWSError {
        AWSError(code: "UnsupportedOperationException", message: message)
    }

    public static func tagException(_ message: String) -> AWSError {
        AWSError(code: "TagException", message: message)
    }

    public static func malformedPolicyDocument(_ message: String) -> AWSError {
        AWSError(code: "MalformedPolicyDocumentException", message: message)
    }

    public static func invalidMarker() -> AWSError {
        AWSError(code: "InvalidMarkerException", message: "Invalid marker")
    }

    public static func dryRunOperation() -> AWSError {
        AWSError(code: "DryRunOperationException", message: "The request would have succeeded, but the DryRun option is set.")
    }

    public static func invalidKeyUsage(_ message: String) -> AWSError {
        AWSError(code: "InvalidKeyUsageException", message: message)
    }

    public static func kmsConflict(_ message: String) -> AWSError {
        AWSError(code: "ConflictException", message: message)
    }

    public static let kmsInternal = AWSError.internalFailure("KMSInternalException")

    static func from(_ refusal: KMSRefusal) -> AWSError {
        switch refusal {
        case .disabled(let arn): return .disabled(arn)
        case .invalidState(let arn, let why): return .kmsInvalidState("\(arn) \(why).")
        }
    }
}
