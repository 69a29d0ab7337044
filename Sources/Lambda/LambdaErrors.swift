import AWSProtocol

/// Lambda's errors as AWS answers them.
extension AWSError {
    typealias Code = LambdaShapes.ErrorCode

    static func lambdaInvalidParameter(_ message: String) -> AWSError {
        AWSError(Code.invalidParameterValueException, message: message)
    }

    static func functionNotFound(_ arn: String) -> AWSError {
        AWSError(Code.resourceNotFoundException, message: "Function not found: \(arn)")
    }

    static func lambdaNotFound(_ message: String) -> AWSError {
        AWSError(Code.resourceNotFoundException, message: message)
    }

    static func lambdaConflict(_ message: String) -> AWSError {
        AWSError(Code.resourceConflictException, message: message)
    }

    static func preconditionFailed() -> AWSError {
        AWSError(
            Code.preconditionFailedException,
            message:
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
        )
    }

    static func tooManyRequests(_ message: String = "Rate Exceeded.") -> AWSError {
        AWSError(Code.tooManyRequestsException, message: message)
    }

    static func invokePayloadTooLarge(limit: Int) -> AWSError {
        AWSError(
            Code.requestTooLargeException,
            message: "Request must be smaller than \(limit) bytes for the InvokeFunction operation")
    }

    static func invalidRequestContent(_ message: String) -> AWSError {
        AWSError(Code.invalidRequestContentException, message: message)
    }

    static func lambdaService(_ message: String) -> AWSError {
        AWSError(Code.serviceException, message: message)
    }

    static func functionsDisabled() -> AWSError {
        AWSError(
            Code.serviceException,
            message: "This Rampart server does not run function code: start it with `rampart serve --enable-functions`.")
    }

    static func lambdaUnsupported(_ operation: String) -> AWSError {
        AWSError(
            Code.invalidParameterValueException, message: "\(operation) is not supported by this Rampart build yet.")
    }

    /// A KMS failure while sealing or opening a function's environment, as Lambda names it.
    static func lambdaKMS(_ error: AWSError) -> AWSError {
        let code: Code =
            switch error.code {
            case "DisabledException": .kmsDisabledException
            case "NotFoundException": .kmsNotFoundException
            case "KMSInvalidStateException": .kmsInvalidStateException
            default: .kmsAccessDeniedException
            }
        return AWSError(
            code,
            message:
                "Lambda was unable to use the KMS key for the function's environment variables. KMS Exception: \(error.code). KMS Message: \(error.message)"
        )
    }
}
