public import AWSProtocol

/// Every error KMS answers with, named once with AWS's code and status.
extension AWSError {
    public static func kmsNotFound(_ message: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.notFoundException, message: message)
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
        AWSError(KMSShapes.ErrorCode.invalidArnException, message: message)
    }

    public static func disabled(_ keyArn: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.disabledException, message: "\(keyArn) is disabled.")
    }

    public static func kmsInvalidState(_ message: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.kmsInvalidStateException, message: message)
    }

    public static let invalidCiphertext = AWSError(KMSShapes.ErrorCode.invalidCiphertextException, message: "")

    public static func incorrectKey() -> AWSError {
        AWSError(
            code: "IncorrectKeyException",
            message: "The key ID in the request does not identify a CMK that can perform this operation.")
    }

    public static func alreadyExists(_ message: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.alreadyExistsException, message: message)
    }

    /// AWS's answer to an alias name without the `alias/` prefix.
    public static func aliasPrefixMissing() -> AWSError {
        .validation(
            message:
                "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
        )
    }

    public static func invalidAliasName(_ message: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.invalidAliasNameException, message: message)
    }

    public static func kmsLimitExceeded(_ message: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.limitExceededException, message: message)
    }

    public static func unsupportedOperation(_ message: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.unsupportedOperationException, message: message)
    }

    public static func tagException(_ message: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.tagException, message: message)
    }

    public static func malformedPolicyDocument(_ message: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.malformedPolicyDocumentException, message: message)
    }

    public static func invalidMarker() -> AWSError {
        AWSError(KMSShapes.ErrorCode.invalidMarkerException, message: "Invalid marker")
    }

    public static func dryRunOperation() -> AWSError {
        AWSError(
            KMSShapes.ErrorCode.dryRunOperationException,
            message: "The request would have succeeded, but the DryRun option is set.")
    }

    public static func invalidKeyUsage(_ message: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.invalidKeyUsageException, message: message)
    }

    public static func kmsConflict(_ message: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.conflictException, message: message)
    }

    public static let kmsInternal = AWSError.internalFailure("KMSInternalException")

    static func from(_ refusal: KMSRefusal) -> AWSError {
        switch refusal {
        case .disabled(let arn): return .disabled(arn)
        case .invalidState(let arn, let why): return .kmsInvalidState("\(arn) \(why).")
        }
    }
}
