import AWSProtocol

/// EventBridge's errors as AWS answers them.
extension AWSError {
    static func busNotFound(_ name: String) -> AWSError {
        AWSError(EventBridgeShapes.ErrorCode.resourceNotFoundException, message: "Event bus \(name) does not exist.")
    }

    static func ruleNotFound(_ name: String, bus: String) -> AWSError {
        AWSError(
            EventBridgeShapes.ErrorCode.resourceNotFoundException,
            message: "Rule \(name) does not exist on EventBus \(bus).")
    }

    static func invalidEventPattern(_ message: String) -> AWSError {
        AWSError(EventBridgeShapes.ErrorCode.invalidEventPatternException, message: message)
    }

    static func internalException() -> AWSError {
        AWSError(
            code: EventBridgeShapes.ErrorCode.internalException.rawValue,
            message: "The request processing has failed because of an unknown error, exception or failure.",
            httpStatus: 500)
    }

    static func eventsValidation(_ message: String) -> AWSError {
        AWSError(code: "ValidationException", message: message)
    }

    static func eventsUnsupported(_ what: String) -> AWSError {
        AWSError(code: "ValidationException", message: "\(what) is not supported by this Rampart build.")
    }

    static func limitExceeded(_ message: String = "The requested resource exceeds the maximum number allowed.") -> AWSError {
        AWSError(EventBridgeShapes.ErrorCode.limitExceededException, message: message)
    }
}
