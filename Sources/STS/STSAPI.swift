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
            return .json([
                "Arn": .string(caller.principal.arn), "UserId": .string(caller.principal.userId),
                "Account": .string(caller.accountId),
            ])
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
            var result: [String: JSONValue] = [
                "Credentials": Self.json(credentials),
                "AssumedRoleUser": ["AssumedRoleId": .string(principal.userId), "Arn": .string(principal.arn)],
            ]
            if let packed { result["PackedPolicySize"] = .int(Int64(packed)) }
            return .json(.object(result))
        case "GetSessionToken":
            let request = STSShapes.GetSessionTokenRequest(input)
            let credentials = try await sts.getSessionToken(caller: caller, durationSeconds: request.durationSeconds)
            return .json(["Credentials": Self.json(credentials)])
        case "GetFederationToken":
            let request = STSShapes.GetFederationTokenRequest(input)
            let tags = Self.tags(request.tags)
            if let denial = Authorization.getFederationToken(caller, name: request.name, tags: tags) { throw denial }
            let (credentials, principal, packed) = try await sts.getFederationToken(
                caller: caller, name: request.name, durationSeconds: request.durationSeconds, sessionPolicy: request.policy,
                policyArns: (request.policyArns ?? []).compactMap(\.arn), tags: tags,
                validatePolicy: Authorization.validateIdentityPolicy)
            var result: [String: JSONValue] = [
                "Credentials": Self.json(credentials),
                "FederatedUser": ["FederatedUserId": .string(principal.userId), "Arn": .string(principal.arn)],
            ]
            if let packed { result["PackedPolicySize"] = .int(Int64(packed)) }
            return .json(.object(result))
        default:
            throw AWSError(code: "InvalidAction", message: "\(action) is not supported by this Rampart build yet.")
        }
    }

    static func tags(_ tags: [STSShapes.Tag]?) -> [IAMTag] {
        (tags ?? []).map { IAMTag(key: $0.key, value: $0.value) }
    }

    static func json(_ credentials: TemporaryCredentials) -> JSONValue {
        [
            "AccessKeyId": .string(credentials.accessKeyId), "SecretAccessKey": .string(credentials.secretAccessKey),
            "SessionToken": .string(credentials.sessionToken),
            "Expiration": .double(credentials.expiration.timeIntervalSince1970),
        ]
    }
}
