import AWSProtocol
import Identity
import KMS

/// Where the server's authorization decisions come from. Interim rules until the Policy module
/// lands: accounts' roots may do everything in their own account; IAM users may do nothing
/// except through KMS grants.
enum Authorization {
    static let kms: any KMSAuthorizer = InterimKMSAuthorizer()

    static let iam: @Sendable (Caller, String, String) -> AWSError? = { caller, action, resource in
        guard caller.principal.kind == .root else {
            return .iamAccessDenied(
                "User: \(caller.principal.arn) is not authorized to perform: \(action) on resource: \(resource) because no identity-based policy allows the \(action) action")
        }
        return nil
    }

    static let validateIdentityPolicy: IAMService.PolicyValidator = { document in
        guard case .object(let members)? = try? JSONParser.parse(Array(document.utf8), maxDepth: 32) else {
            return "Syntax errors in policy."
        }
        return members["Statement"] == nil ? "Missing required field Statement" : nil
    }
}

struct InterimKMSAuthorizer: KMSAuthorizer {
    func authorize(_ request: KMSAccessRequest) -> AWSError? {
        if request.caller.principal.kind == .root, request.key == nil || request.key?.accountId == request.caller.accountId {
            return nil
        }
        return .accessDenied(AccessDeniedMessage.text(request, because: "no identity-based policy allows the \(request.action) action"))
    }
}
