import AWSProtocol
import Hummingbird
import Identity

/// STS on the wire (Query, version 2011-06-15). GetCallerIdentity now; AssumeRole and session
/// tokens come with IAM.
struct STSAPI: QueryServiceAPI {
    let signingName = "sts"
    let xmlns = "https://sts.amazonaws.com/doc/2011-06-15/"
    let version = "2011-06-15"
    let model = ServiceModel.sts

    func handle(action: String, request: QueryRequest, caller: Caller, requestId: String) async throws(AWSError) -> Response {
        if let given = request.version, given != version {
            throw AWSError(code: "InvalidAction", message: "Could not find operation \(action) for version \(given)")
        }
        switch action {
        case "GetCallerIdentity":
            return WireProtocol.queryResponse(action: action, xmlns: xmlns, requestId: requestId) { w in
                w.element("Arn", caller.principal.arn)
                w.element("UserId", caller.principal.userId)
                w.element("Account", caller.accountId)
            }
        default:
            throw AWSError(code: "InvalidAction", message: "Could not find operation \(action) for version \(version)")
        }
    }
}
