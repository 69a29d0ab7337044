import AWSProtocol

/// SigV4 failures as each protocol family names them: JSON and REST-JSON services answer 400
/// with `...Exception` codes, Query and EC2 services 403 with their older codes.
extension SigV4Error {
    func awsError(for wire: WireProtocol) -> AWSError {
        let family: WireProtocol =
            switch wire {
            case .json, .restJSON: .json11
            case .query, .ec2: .query(xmlns: "")
            }
        switch (family, kind) {
        case (.json, .missingAuthentication):
            return AWSError(code: "MissingAuthenticationTokenException", message: message)
        case (.json, .incompleteSignature):
            return AWSError(code: "IncompleteSignatureException", message: message)
        case (.json, .invalidSignature), (.json, .signatureExpired):
            return AWSError(code: "InvalidSignatureException", message: message)
        case (.json, .unrecognizedClient):
            return AWSError(code: "UnrecognizedClientException", message: message)
        case (.query, .missingAuthentication):
            return AWSError(
                code: "MissingAuthenticationToken", message: "Request is missing Authentication Token", httpStatus: 403)
        case (.query, .incompleteSignature):
            return AWSError(code: "IncompleteSignature", message: message, httpStatus: 400)
        case (.query, .invalidSignature), (.query, .signatureExpired):
            return AWSError(code: "SignatureDoesNotMatch", message: message, httpStatus: 403)
        case (.query, .unrecognizedClient):
            return AWSError(code: "InvalidClientTokenId", message: message, httpStatus: 403)
        case (.restJSON, _), (.ec2, _):
            preconditionFailure("mapped to a family above")
        }
    }
}
