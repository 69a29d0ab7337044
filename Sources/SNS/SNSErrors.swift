import AWSProtocol

/// SNS's errors, as AWS words them.
extension AWSError {
    static func invalidParameter(_ detail: String) -> AWSError {
        AWSError(SNSShapes.ErrorCode.invalidParameter, message: "Invalid parameter: \(detail)")
    }

    static func parameterValueInvalid(_ message: String) -> AWSError {
        AWSError(SNSShapes.ErrorCode.parameterValueInvalid, message: message)
    }

    static func topicNotFound() -> AWSError { AWSError(SNSShapes.ErrorCode.notFound, message: "Topic does not exist") }

    static func subscriptionNotFound() -> AWSError {
        AWSError(SNSShapes.ErrorCode.notFound, message: "Subscription does not exist")
    }

    static func resourceNotFound() -> AWSError {
        AWSError(SNSShapes.ErrorCode.resourceNotFound, message: "Resource does not exist")
    }

    static func authorizationError(_ message: String) -> AWSError {
        AWSError(SNSShapes.ErrorCode.authorizationError, message: message)
    }

    static func snsInternal() -> AWSError {
        AWSError(SNSShapes.ErrorCode.internalError, message: "Internal Error")
    }

    /// A KMS refusal, as SNS reports it: its own code for KMS's error, KMS's message inside.
    static func fromKMS(_ error: AWSError, requestId: String) -> AWSError {
        let code: SNSShapes.ErrorCode =
            switch error.code {
            case "AccessDeniedException": .kmsAccessDenied
            case "NotFoundException": .kmsNotFound
            case "DisabledException": .kmsDisabled
            case "KMSInvalidStateException", "InvalidKeyUsageException", "KeyUnavailableException": .kmsInvalidState
            case "ThrottlingException": .kmsThrottling
            default: .kmsInvalidState
            }
        return AWSError(
            code,
            message:
                "\(error.message) (Service: AWSKMS; Status Code: \(error.httpStatus); Error Code: \(error.code); Request ID: \(requestId); Proxy: null)"
        )
    }
}
