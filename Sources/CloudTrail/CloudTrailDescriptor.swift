import AWSProtocol
public import ServiceKit

/// CloudTrail as the edge serves it: AWS JSON 1.1 under CloudTrail_20131101.
public enum CloudTrailModule {
    /// nil when the server keeps no trail (`--no-audit`).
    public static func descriptor(
        _ context: ServiceContext, digestKey: (der: [UInt8], fingerprint: String)?
    )
        -> ServiceDescriptor?
    {
        guard let trail = context.trail else { return nil }
        return ServiceDescriptor(
            signingName: "cloudtrail",
            wire: .json(targetPrefix: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"), model: .cloudTrail,
            operations: CloudTrailOperations.table,
            handler: CloudTrailAPI(trail: trail, digestKey: digestKey, clock: context.clock),
            backgroundServices: [])
    }
}

/// CloudTrail's operations as it records them: lookups and descriptions are read-only.
enum CloudTrailOperations {
    static let table = OperationTable(
        actionPrefix: "cloudtrail",
        readOnly: [
            "LookupEvents", "DescribeTrails", "ListTrails", "GetTrail", "GetTrailStatus", "ListPublicKeys", "GetEventSelectors",
        ],
        changes: ["CreateTrail", "StartLogging", "StopLogging", "DeleteTrail", "PutEventSelectors"]
    ).adding(unserved: ServiceModel.cloudTrail.operations.keys, actionPrefix: "cloudtrail")
}
