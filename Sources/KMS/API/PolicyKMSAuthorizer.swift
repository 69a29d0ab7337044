public import AWSProtocol
import AccessControl
import Identity
import Policy

/// Key policies and identity policies, combined as AWS combines them for KMS.
public struct PolicyKMSAuthorizer: KMSAuthorizer {
    public init() {}

    public func authorize(_ request: KMSAccessRequest) -> AWSError? {
        let caller = request.caller
        let isRoot = caller.principal.kind == .root
        guard let key = request.key else {
            // CreateKey, ListKeys, ListAliases, GenerateRandom: identity policies only.
            if isRoot && caller.sessionPolicy == nil { return nil }
            let context = PolicyContext.make(
                action: request.action, resource: request.resource ?? "*", caller: caller, extra: request.conditionKeys)
            let result = Authorization.identityOnly(caller, context)
            return result.isAllowed
                ? nil : .accessDenied(AccessDeniedMessage.text(request, because: Self.because(result, request)))
        }
        var extra = request.conditionKeys
        extra["kms:CallerAccount"] = [caller.accountId]
        extra["kms:KeySpec"] = [key.keySpec.rawValue]
        extra["kms:KeyUsage"] = [key.keyUsage.rawValue]
        extra["kms:KeyOrigin"] = [key.origin.rawValue]
        extra["kms:MultiRegion"] = [key.multiRegion != nil ? "true" : "false"]
        if let configuration = key.multiRegion { extra["kms:MultiRegionKeyType"] = [configuration.keyType.rawValue] }
        for tag in key.tags { extra["aws:ResourceTag/\(tag.key)"] = [tag.value] }
        let context = PolicyContext.make(action: request.action, resource: key.arn, caller: caller, extra: extra)
        let keyPolicy = PolicyCache.shared.document(key.policy, kind: .keyPolicy)
        let result = PolicyEvaluation.evaluate(
            identityPolicies: PolicyCache.shared.documents(caller.identityPolicies, kind: .identity), resourcePolicy: keyPolicy,
            sessionPolicy: Authorization.sessionPolicy(caller), context: context, resourceAccount: key.accountId,
            isRootPrincipal: isRoot, permissionsBoundary: Authorization.permissionsBoundary(caller))
        return result.isAllowed ? nil : .accessDenied(AccessDeniedMessage.text(request, because: Self.because(result, request)))
    }

    static func because(_ result: EvaluationResult, _ request: KMSAccessRequest) -> String {
        if result.decision == .explicitDeny { return "with an explicit deny" }
        if result.reason.hasPrefix("the permissions boundary") {
            return "no permissions boundary allows the \(request.action) action"
        }
        if let key = request.key, key.accountId != request.caller.accountId {
            return "no resource-based policy allows the \(request.action) action"
        }
        return "no identity-based policy allows the \(request.action) action"
    }
}
