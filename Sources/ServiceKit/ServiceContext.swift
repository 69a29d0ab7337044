public import Audit
public import Foundation
public import Identity
public import KeyVault
public import Logging
public import RampartCore

/// What every service is built from: the root of trust, the service clock, who is calling,
/// the trail, and the shared document store. `RampartServer` makes one and hands it to each
/// service's descriptor factory.
public struct ServiceContext: Sendable {
    public var vault: KeyVault
    /// The service clock (moved by `rampart dev advance-clock` under `--dev-clock`).
    public var clock: AdjustableClock
    public var identity: IdentityService
    public var iam: IAMService
    /// The trail, for services that read it (CloudTrail's LookupEvents) or subscribe to it.
    public var trail: AuditTrail?
    public var documents: any DocumentStore
    /// The module tables made by the services' own migrations; nil on a server without a
    /// database (unit tests), where services that need them are not served.
    public var tables: (any TableStore)?
    /// How the services reach each other (deliveries, data keys, their own events); one value
    /// shared by all the services of a server.
    public var integrations: Integrations
    public var logger: Logger
    /// Whether functions run here, and how.
    public var functions: FunctionHosting

    public init(
        vault: KeyVault, clock: AdjustableClock, identity: IdentityService, iam: IAMService, trail: AuditTrail?,
        documents: any DocumentStore, tables: (any TableStore)? = nil, integrations: Integrations = Integrations(),
        logger: Logger, functions: FunctionHosting = .disabled
    ) {
        self.functions = functions
        self.vault = vault
        self.clock = clock
        self.identity = identity
        self.iam = iam
        self.trail = trail
        self.documents = documents
        self.tables = tables
        self.integrations = integrations
        self.logger = logger
    }
}

/// Whether and how this server runs function code (`rampart serve --enable-functions`): running
/// uploaded code is the operator's decision, off by default.
public struct FunctionHosting: Sendable {
    public var enabled: Bool
    /// The Python that runs Python functions (through AWS's `awslambdaric`).
    public var python: String
    /// The endpoint functions call back (`AWS_ENDPOINT_URL`): this server.
    public var endpoint: String
    /// Where environments keep their unpacked code and scratch space.
    public var scratchDirectory: URL
    /// A folder of deployment packages that functions may be created from by path (`S3Bucket`
    /// `local`, `S3Key` a path inside it), for packages larger than a request may carry; nil: none.
    public var packageDirectory: URL?
    /// Folders functions must not see (the data folder): hidden from them when bubblewrap is
    /// installed, which then runs every function.
    public var hiddenDirectories: [URL] = []

    public init(
        enabled: Bool, python: String = "python3", endpoint: String, scratchDirectory: URL, packageDirectory: URL? = nil,
        hiddenDirectories: [URL] = []
    ) {
        self.hiddenDirectories = hiddenDirectories
        self.enabled = enabled
        self.packageDirectory = packageDirectory
        self.python = python
        self.endpoint = endpoint
        self.scratchDirectory = scratchDirectory
    }

    public static let disabled = FunctionHosting(
        enabled: false, endpoint: "http://127.0.0.1:4566", scratchDirectory: URL(fileURLWithPath: NSTemporaryDirectory()))
}
