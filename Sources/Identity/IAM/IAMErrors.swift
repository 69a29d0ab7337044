public import AWSProtocol

/// IAM's errors, with its codes and statuses.
extension AWSError {
    public static func noSuchEntity(_ message: String) -> AWSError {
        AWSError(code: "NoSuchEntity", message: message, httpStatus: 404)
    }

    public static func entityAlreadyExists(_ message: String) -> AWSError {
        AWSError(code: "EntityAlreadyExists", message: message, httpStatus: 409)
    }

    public static func iamLimitExceeded(_ message: String) -> AWSError {
        AWSError(code: "LimitExceeded", message: message, httpStatus: 409)
    }

    public static func deleteConflict(_ message: String) -> AWSError {
        AWSError(code: "DeleteConflict", message: message, httpStatus: 409)
    }

    public static func iamMalformedPolicy(_ message: String) -> AWSError {
        AWSError(code: "MalformedPolicyDocument", message: message, httpStatus: 400)
    }

    public static func iamValidation(_ message: String) -> AWSError {
        AWSError(code: "ValidationError", message: message, httpStatus: 400)
    }

    public static func iamAccessDenied(_ message: String) -> AWSError {
        AWSError(code: "AccessDenied", message: message, httpStatus: 403)
    }

    public static func iamServiceFailure() -> AWSError {
        AWSError(
            code: "ServiceFailure", message: "The request processing has failed because of an unknown error.", httpStatus: 500)
    }

    /// STS's refusal of a parameter's value (session tags).
    public static func invalidParameterValue(_ message: String) -> AWSError {
        AWSError(code: "InvalidParameterValue", message: message, httpStatus: 400)
    }

    /// IAM's InvalidInput.
    public static func invalidInput(_ message: String) -> AWSError {
        AWSError(code: "InvalidInput", message: message, httpStatus: 400)
    }

    /// A change to an entity AWS keeps for itself (service-linked roles).
    public static func unmodifiableEntity(_ message: String) -> AWSError {
        AWSError(code: "UnmodifiableEntity", message: message, httpStatus: 400)
    }
}
