import AWSProtocol

/// CloudWatch Logs' errors as AWS answers them.
extension AWSError {
    static func logsInvalidParameter(_ message: String) -> AWSError {
        AWSError(CloudWatchLogsShapes.ErrorCode.invalidParameterException, message: message)
    }

    static func logGroupNotFound() -> AWSError {
        AWSError(CloudWatchLogsShapes.ErrorCode.resourceNotFoundException, message: "The specified log group does not exist.")
    }

    static func logStreamNotFound() -> AWSError {
        AWSError(CloudWatchLogsShapes.ErrorCode.resourceNotFoundException, message: "The specified log stream does not exist.")
    }

    static func logGroupExists() -> AWSError {
        AWSError(
            CloudWatchLogsShapes.ErrorCode.resourceAlreadyExistsException, message: "The specified log group already exists")
    }

    static func logStreamExists() -> AWSError {
        AWSError(
            CloudWatchLogsShapes.ErrorCode.resourceAlreadyExistsException, message: "The specified log stream already exists")
    }

    static func logsServiceUnavailable() -> AWSError {
        AWSError(
            code: CloudWatchLogsShapes.ErrorCode.serviceUnavailableException.rawValue,
            message: "The service cannot complete the request.", httpStatus: 500)
    }

    static func logsUnsupported(_ what: String) -> AWSError {
        AWSError(
            CloudWatchLogsShapes.ErrorCode.invalidOperationException, message: "\(what) is not supported by this Rampart build.")
    }

    static func logsAccessDenied(_ message: String) -> AWSError {
        AWSError(CloudWatchLogsShapes.ErrorCode.accessDeniedException, message: message)
    }
}
