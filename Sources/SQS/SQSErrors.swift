import AWSProtocol
import ServiceKit

/// SQS's errors as AWS answers them. The JSON code (`__type`) is the model's shape name; the
/// Query code SDKs show (`x-amzn-query-error`) is in `SQSErrors.queryCodes`.
extension AWSError {
    static func queueDoesNotExist() -> AWSError {
        AWSError(SQSShapes.ErrorCode.queueDoesNotExist, message: "The specified queue does not exist.")
    }

    static func queueNameExists(_ attribute: String) -> AWSError {
        AWSError(
            SQSShapes.ErrorCode.queueNameExists,
            message: "A queue already exists with the same name and a different value for attribute \(attribute)")
    }

    static func invalidAttributeValue(_ name: String, reason: String? = nil) -> AWSError {
        AWSError(
            SQSShapes.ErrorCode.invalidAttributeValue,
            message: "Invalid value for the parameter \(name)." + (reason.map { " Reason: \($0)" } ?? ""))
    }

    static func invalidAttributeName(_ name: String) -> AWSError {
        AWSError(SQSShapes.ErrorCode.invalidAttributeName, message: "Unknown Attribute \(name).")
    }

    /// A parameter outside what SQS accepts (not a modeled error: its code is the Query one).
    static func invalidParameterValue(_ message: String) -> AWSError {
        AWSError(code: "InvalidParameterValue", message: message)
    }

    static func invalidParameter(_ name: String, value: String, reason: String) -> AWSError {
        .invalidParameterValue("Value \(value) for parameter \(name) is invalid. Reason: \(reason)")
    }

    static func missingParameter(_ name: String) -> AWSError {
        AWSError(code: "MissingParameter", message: "The request must contain the parameter \(name).")
    }

    static func receiptHandleIsInvalid(_ handle: String) -> AWSError {
        AWSError(
            SQSShapes.ErrorCode.receiptHandleIsInvalid,
            message: "The input receipt handle \"\(handle.prefix(128))\" is not a valid receipt handle.")
    }

    static func messageNotInflight() -> AWSError {
        AWSError(
            SQSShapes.ErrorCode.messageNotInflight,
            message: "Message does not exist or is not available for visibility timeout change.")
    }

    static func invalidMessageContents() -> AWSError {
        AWSError(
            SQSShapes.ErrorCode.invalidMessageContents,
            message:
                "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
    }

    static func overLimit(_ message: String) -> AWSError {
        AWSError(SQSShapes.ErrorCode.overLimit, message: message)
    }

    static func unsupported(_ what: String) -> AWSError {
        AWSError(SQSShapes.ErrorCode.unsupportedOperation, message: "\(what) is not supported by this Rampart build.")
    }
}

enum SQSErrors {
    /// The Query codes of SQS's errors, by JSON code, as AWS's SQS sends them in
    /// `x-amzn-query-error` and its Query protocol answers them, with the Query statuses that are
    /// not JSON's 400. SQS's JSON model, unlike other query-compatible models, does not list them:
    /// they are its Query model's (`Scripts/query-traits/sqs-2012-11-05.json` keeps that model's
    /// codes and statuses; SQSQueryProtocolTests checks these against it).
    static let queryCodes = QueryErrorCodes(
        [
            "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
            "QueueNameExists": "QueueAlreadyExists",
            "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
            "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
            "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
            "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
            "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
            "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
            "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
            "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
            "KmsAccessDenied": "KMS.AccessDeniedException",
            "KmsDisabled": "KMS.DisabledException",
            "KmsNotFound": "KMS.NotFoundException",
            "KmsInvalidKeyUsage": "KMS.InvalidKeyUsageException",
            "KmsInvalidState": "KMS.InvalidStateException",
            "KmsThrottled": "KMS.ThrottlingException",
            "KmsOptInRequired": "KMS.OptInRequired",
            "AccessDeniedException": "AccessDenied",
            "ValidationException": "InvalidParameterValue",
            "SerializationException": "MalformedInput",
            "UnknownOperationException": "InvalidAction",
        ], queryStatuses: ["OverLimit": 403, "PurgeQueueInProgress": 403, "ResourceNotFoundException": 404])
}
