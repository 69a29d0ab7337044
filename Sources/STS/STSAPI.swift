import AWSProtocol
import AccessControl
import Foundation
import Identity
import ServiceKit

/// STS on the wire (Query, version 2011-06-15): GetCallerIdentity, AssumeRole, GetSessionToken,
/// GetFederationToken.
struct STSAPI: OperationHandler {
    let sts: STSService
    static let xmlns = "https://sts.amazonaws.com/doc/2011-06-15/"

    func handle(_ invocation: Invocation) async throws(AWSError) -> Reply {
        let (action, input, caller) = (invocation.operation, invocation.input, invocation.caller)
        switch action {
        case "GetCallerIdentity":
            return .output(
                STSShapes.GetCallerIdentityResponse(
                    userId: caller.principal.userId, account: caller.accountId, arn: caller.principal.arn))
        case "AssumeRole":
            let request = STSShapes.AssumeRoleRequest(input)
            let roleArn = request.roleArn
            let tags = Self.tags(request.tags)
            let transitive = request.transitiveTagKeys ?? []
            let (credentials, principal, packed) = try await sts.assumeRole(
                caller: caller, roleArn: roleArn, sessionName: request.roleSessionName,
                durationSeconds: request.durationSeconds, sessionPolicy: request.policy, tags: tags,
                transitiveTagKeys: transitive, policyArns: (request.policyArns ?? []).compactMap(\.arn),
                validatePolicy: Authorization.validateIdentityPolicy,
                authorize: { role in
                    Authorization.assumeRole(caller, role, roleArn: roleArn, tags: tags, transitiveTagKeys: transitive)
                })
            return .output(
                STSShapes.AssumeRoleResponse(
                    credentials: Self.shape(credentials),
                    assumedRoleUser: STSShapes.AssumedRoleUser(assumedRoleId: principal.userId, arn: principal.arn),
                    packedPolicySize: packed))
        case "GetSessionToken":
            let request = STSShapes.GetSessionTokenRequest(input)
            let credentials = try await sts.getSessionToken(caller: caller, durationSeconds: request.durationSeconds)
            return .output(STSShapes.GetSessionTokenResponse(credentials: Self.shape(credentials)))
        case "GetFederationToken":
            let request = STSShapes.GetFederationTokenRequest(input)
            let tags = Self.tags(request.tags)
            if let denial = Authorization.getFederationToken(caller, name: request.name, tags: tags) { throw denial }
            let (credentials, principal, packed) = try await sts.getFederationToken(
                caller: caller, name: request.name, durationSeconds: request.durationSeconds, sessionPolicy: request.policy,
                policyArns: (request.policyArns ?? []).compactMap(\.arn), tags: tags,
                validatePolicy: Authorization.validateIdentityPolicy)
            return .output(
                STSShapes.GetFederationTokenResponse(
                    credentials: Self.shape(credentials),
                    federatedUser: STSShapes.FederatedUser(federatedUserId: principal.userId, arn: principal.arn),
                    packedPolicySize: packed))
        default:
            throw AWSError(code: "InvalidAction", message: "\(action) is not supported by this Rampart build yet.")
        }
    }

    static func tags(_ tags: [STSShapes.Tag]?) -> [IAMTag] {
        (tags ?? []).map { IAMTag(key: $0.key, value: $0.value) }
    }

    static func shape(_ credentials: TemporaryCredentials) -> STSShapes.Credentials {
        STSShapes.Credentials(
            accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey,
            sessionToken: credentials.sessionToken, expiration: credentials.expiration)
    }
}
