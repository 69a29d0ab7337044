import AWSProtocol
import Identity
public import ServiceKit

/// STS as the edge serves it: AWS Query, version 2011-06-15.
public enum STSModule {
    /// Builds the token service and attaches it to `context.identity`, which then resolves the
    /// `ASIA` keys it issues.
    public static func descriptor(_ context: ServiceContext) -> ServiceDescriptor {
        let sts = STSService(store: context.identity.store, vault: context.vault, clock: context.clock, iam: context.iam)
        context.identity.attach(sts)
        return ServiceDescriptor(
            signingName: "sts", wire: .query(xmlns: STSAPI.xmlns, version: "2011-06-15"), model: .sts,
            operations: STSOperations.table, handler: STSAPI(sts: sts))
    }
}

/// STS's operations: GetCallerIdentity and GetSessionToken read; AssumeRole and
/// GetFederationToken store the session they issue, so their records commit with that session,
/// as every change's does, and record the session's key ID, expiry and assumed-role or
/// federated user (never its secret or token).
enum STSOperations {
    static let table = OperationTable(
        actionPrefix: "sts", readOnly: ["GetCallerIdentity", "GetSessionToken"], changes: ["AssumeRole", "GetFederationToken"],
        recordedResponse: ["Credentials", "AssumedRoleUser", "FederatedUser", "PackedPolicySize", "SourceIdentity"],
        responseElements: .awsRecord
    ).adding(unserved: ServiceModel.sts.operations.keys, actionPrefix: "sts")
}
