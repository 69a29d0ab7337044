import AWSProtocol
public import ServiceKit

extension KeyManagementService {
    /// KMS as the edge serves it: AWS JSON 1.1 under `TrentService`, with its sweeper beside it.
    /// Its tables are among the store's core steps (they predate module schemas).
    public func descriptor() -> ServiceDescriptor {
        ServiceDescriptor(
            signingName: "kms", wire: .json(targetPrefix: "TrentService"), model: .kms, operations: KMSOperations.table,
            handler: KMSAPI(kms: self), auditing: KMSAuditing(kms: self), backgroundServices: [KMSSweeper(kms: self)])
    }
}
