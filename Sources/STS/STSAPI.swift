import AWSProtocol
import AccessControl
import Foundation
import Identity
import ServiceKit

/// STS on the wire (Query, version 2011-06-15): GetCallerIdentity, AssumeRole, GetSessionToken.
struct STSAPI: OperationHandler {
    let sts: STSService
    static let xmlns = "https://sts.amazonaws.com/doc/2011-06-15/"

    func handle(_ invocation: Invocation) async throws(AWSError) -> Reply {
        let (action, input, caller, requestId) = (
            invocation.operation, invocation.input, invocation.caller, invocation.requestId
        )
        func respond(_ body: (inout XMLWriter) -> Void) -> Reply {
            QueryReply.make(action: action, xmlns: Self.xmlns, requestId: requestId, result: body)
        }
        switch action {
        case "GetCallerIdentity":
            return respond { w in
                w.element("Arn", caller.principal.arn)
                w.element("UserId", caller.principal.userId)
                w.element("Account", caller.accountId)
            }
        case "AssumeRole":
            let roleArn = input.string("RoleArn") ?? ""
            let (credentials, principal, packed) = try await sts.assumeRole(
                caller: caller, roleArn: roleArn, sessionName: input.string("RoleSessionName") ?? "",
                durationSeconds: input.int("DurationSeconds"), sessionPolicy: input.string("Policy"),
                validatePolicy: Authorization.validateIdentityPolicy,
                authorize: { role in Authorization.assumeRole(caller, role, roleArn: roleArn) })
            return respond { w in
                Self.write(credentials, into: &w)
                w.element("AssumedRoleUser") { u in
                    u.element("AssumedRoleId", principal.userId)
                    u.element("Arn", principal.arn)
                }
                if let packed { w.element("PackedPolicySize", String(packed)) }
            }
        case "GetSessionToken":
            let credentials = try await sts.getSessionToken(caller: caller, durationSeconds: input.int("DurationSeconds"))
            return respond { Self.write(credentials, into: &$0) }
        default:
            throw AWSError(code: "InvalidAction", message: "\(action) is not supported by this Rampart build yet.")
        }
    }

    static func write(_ credentials: TemporaryCredentials, into w: inout XMLWriter) {
        w.element("Credentials") { c in
            c.element("AccessKeyId", credentials.accessKeyId)
            c.element("SecretAccessKey", credentials.secretAccessKey)
            c.element("SessionToken", credentials.sessionToken)
            c.element("Expiration", Timestamp.iso8601(credentials.expiration, fractional: false))
        }
    }
}
