import AWSProtocol
import AccessControl
import Audit
import AuditStorage
import CMalloc
public import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Identity
import IdentityStorage
import KMS
import KMSStorage
import KeyVault
public import Logging
public import NIOCore
import NIOPosix
import NIOSSL
import RampartCore
import ServiceKit
import ServiceLifecycle
import Storage
import UnixSignals

/// How `rampart serve` runs.
public struct ServerOptions: Sendable {
    public var dataDirectory: URL
    public var host = "127.0.0.1"
    public var port = 4566
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    public var devClock = false
    /// The account a fresh data folder is initialized with.
    public var defaultAccountId = "000000000000"
    public var maxBodySize = 1 << 20
    /// How long LookupEvents history is kept (AWS keeps 90 days).
    public var trailRetentionDays = 90
    /// Whether calls are recorded in the trail (off only to measure what the trail costs).
    public var audit = true
    public var idleTimeout: TimeAmount = .seconds(60)
    /// A file that a test subscriber appends every trail record to (tests of the subscriber hook).
    public var devTrailSubscriberFile: String?
    /// Whether Lambda functions run here (`--enable-functions`), and on which Python.
    public var enableFunctions = false
    public var functionsPython = "python3"
    /// The folder of deployment packages functions may be created from by path (`--functions-code-dir`).
    public var functionsCodeDirectory: String?

    public init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
    }
}

/// Wires the store, vault, services and HTTP edge together and runs them as one service group
/// that stops cleanly on SIGTERM or SIGINT: the listener closes, in-flight calls finish, the
/// sweeper writes what it holds, and the store is checkpointed and closed.
public enum RampartServer {
    public static func run(_ options: ServerOptions, logger: Logger) async throws {
        let directory = options.dataDirectory
        if DataDirectory.isEmpty(directory) {
            logger.info(
                "initializing an empty data folder",
                metadata: ["dir": .string(directory.path), "account": .string(options.defaultAccountId)])
            try await DataDirectory.initialize(at: directory, accountId: options.defaultAccountId, logger: logger)
        }
        let (vault, db) = try await DataDirectory.open(directory, logger: logger)
        do {
            try await serve(options, vault: vault, db: db, logger: logger)
        } catch {
            try? await db.close()
            throw error
        }
        try await db.close()
        logger.info("stopped")
    }

    private static func serve(_ options: ServerOptions, vault: KeyVault, db: RampartDatabase, logger: Logger) async throws {
        raiseDescriptorLimit(logger: logger)
        returnLargeBuffersWhenFreed()
        let wallClock = SystemClock()
        let serviceClock = AdjustableClock(base: wallClock)
        let identityStore = SQLIdentityStore(database: db)
        let identity = IdentityService(store: identityStore, vault: vault, clock: serviceClock)
        let trail = try AuditTrail(
            store: SQLAuditStore(database: db), logger: logger, retentionDays: options.trailRetentionDays,
            now: { serviceClock.now })
        Authorization.use(clock: serviceClock)
        if let file = options.devTrailSubscriberFile { trail.subscribe(FileTrailSubscriber(path: file)) }
        let iam = IAMService(store: identityStore, vault: vault, clock: serviceClock, identity: identity)
        let kms = KeyManagementService(
            store: SQLKeyStore(database: db), vault: vault, clock: serviceClock, authorizer: PolicyKMSAuthorizer(),
            principals: iam, logger: logger,
            serviceEvents: TrailServiceEvents(trail: trail))
        try await kms.load()
        releaseFreedMemory()

        if options.devClock {
            logger.warning("the development clock is on: any root caller can move time forward")
        }
        if options.enableFunctions {
            logger.notice("functions run here (--enable-functions): each account's uploaded code runs as a child process")
        }
        if !options.audit {
            logger.warning("the trail is off (--no-audit): no call is recorded; use it only to measure what the trail costs")
        }
        let secure = options.tlsCertificatePath != nil
        let tlsSessions = TLSSessions()
        let digest = try await TrailFiles.signingKey(vault: vault, db: db)
        let context = ServiceContext(
            vault: vault, clock: serviceClock, identity: identity, iam: iam, trail: trail,
            documents: SQLDocumentStore(database: db), tables: SQLTableStore(database: db), logger: logger,
            functions: FunctionHosting(
                enabled: options.enableFunctions, python: options.functionsPython,
                endpoint: "\(secure ? "https" : "http")://\(Self.callbackHost(options.host)):\(options.port)",
                scratchDirectory: options.dataDirectory.appendingPathComponent("functions"),
                packageDirectory: options.functionsCodeDirectory.map { URL(fileURLWithPath: $0) },
                hiddenDirectories: [options.dataDirectory]))
        let services = Services.all(
            context, kms: kms, digestKey: (digest.publicKeyDER, digest.fingerprint), devClock: options.devClock)
        // The services' own tables, before the first call.
        try await db.migrate(modules: services.flatMap(\.migrations))
        // Every subscriber (services subscribe as they are built) knows where it stands before
        // the first call is taken.
        try await trail.startSubscribers()
        let responder = makeResponder(
            services: services, identity: identity, iam: iam, trail: trail, wallClock: wallClock, serviceClock: serviceClock,
            maxBodySize: options.maxBodySize, secure: secure, tlsSessions: tlsSessions, recordCalls: options.audit,
            logger: logger)

        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [UnparsableRequestStopper()], idleTimeout: options.idleTimeout)
        let limit = ConnectionLimit.forDescriptorLimit()
        logger.info("connection limit", metadata: ["connections": "\(limit.capacity)"])
        let server: HTTPServerBuilder
        if let certPath = options.tlsCertificatePath {
            guard let keyPath = options.tlsKeyPath else { throw RampartError("--tls-cert needs --tls-key") }
            let tls = try tlsConfiguration(certificate: certPath, key: keyPath)
            // TLS, with the handshake's outcome noted for the trail.
            server = HTTPServerBuilder { responder in
                ConnectionLimitChannel(
                    base: TLSDetailsChannel(
                        base: try TLSChannel(
                            HTTP1Channel(responder: responder, configuration: http1), tlsConfiguration: tls),
                        sessions: tlsSessions),
                    limit: limit)
            }
        } else {
            server = HTTPServerBuilder { responder in
                ConnectionLimitChannel(base: HTTP1Channel(responder: responder, configuration: http1), limit: limit)
            }
        }
        let app = Application(
            responder: responder, server: server,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                logger.info(
                    "listening",
                    metadata: [
                        "address": .string("\(options.host):\(channel.localAddress?.port ?? options.port)"),
                        "tls": .stringConvertible(secure),
                    ])
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                // Stopped in reverse: the listener first (in-flight calls finish), then each
                // service's loops, then the trail, which writes what it still holds.
                services: [.init(service: trail)] + services.flatMap(\.backgroundServices).map { .init(service: $0) }
                    + [.init(service: app)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    /// The AWS responder over the given services.
    static func makeResponder(
        services: [ServiceDescriptor], identity: IdentityService, iam: IAMService, trail: AuditTrail?,
        wallClock: any ServiceClock, serviceClock: AdjustableClock, maxBodySize: Int, secure: Bool,
        tlsSessions: TLSSessions? = nil, recordCalls: Bool = true, logger: Logger
    ) -> AWSResponder {
        AWSResponder(
            services: services,
            authenticator: Authenticator(identity: identity, clock: wallClock, sessionClock: serviceClock),
            principalContext: { caller in (try? await iam.context(for: caller.principal)) ?? PrincipalContext() },
            recorder: recordCalls ? trail.map { AuditRecorder(trail: $0, clock: serviceClock) } : nil,
            maxBodySize: maxBodySize, secure: secure, tlsSessions: tlsSessions, logger: logger)
    }

    /// The AWS responder over the standard services (unit tests build it on in-memory stores).
    static func makeResponder(
        identity: IdentityService, iam: IAMService, kms: KeyManagementService, trail: AuditTrail?,
        digestKey: (der: [UInt8], fingerprint: String)? = nil, wallClock: any ServiceClock, serviceClock: AdjustableClock,
        devClock: Bool, maxBodySize: Int, secure: Bool, tlsSessions: TLSSessions? = nil, recordCalls: Bool = true,
        documents: any DocumentStore = NoDocuments(), logger: Logger
    ) -> AWSResponder {
        let context = ServiceContext(
            vault: identity.vault, clock: serviceClock, identity: identity, iam: iam, trail: trail, documents: documents,
            logger: logger)
        return makeResponder(
            services: Services.all(context, kms: kms, digestKey: digestKey, devClock: devClock), identity: identity,
            iam: iam, trail: trail, wallClock: wallClock, serviceClock: serviceClock, maxBodySize: maxBodySize,
            secure: secure, tlsSessions: tlsSessions, recordCalls: recordCalls, logger: logger)
    }

    /// The host functions call this server back on: a wildcard listen address is reached on loopback.
    static func callbackHost(_ host: String) -> String {
        switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::": "[::1]"
        default: host.contains(":") ? "[\(host)]" : host
        }
    }

    static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let privateKey: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw RampartError("cannot read the TLS certificate \(certificate): it must be a PEM certificate chain")
        }
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw RampartError("cannot read the TLS key \(key): it must be a PEM private key")
        }
        guard !chain.isEmpty else { throw RampartError("\(certificate) holds no certificate") }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        tls.minimumTLSVersion = .tlsv12
        // TLS 1.2 only with forward secrecy and AEAD ciphers; TLS 1.3's suites are all sound.
        tls.cipherSuiteValues = [
            .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ]
        do {
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw RampartError("the TLS key \(key) does not match the certificate \(certificate), or is unusable: \(error)")
        }
        return tls
    }

    /// Runs Swift concurrency's tasks on the event loops that serve the connections, so a call
    /// does not hop between NIO's threads and the cooperative pool (on two cores each hop was a
    /// context switch). Call once, first thing, from the main thread; true if it took effect.
    @discardableResult
    public static func runTasksOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// glibc serves allocations past a threshold with their own mappings, given back when freed,
    /// but by default it raises that threshold to the largest block freed so far. The trail's
    /// group-commit batches (a few MB, one every half second) then came from the heap and stayed
    /// resident: 43 MB of anonymous memory under Encrypt load at c=64, 15 MB with the threshold
    /// fixed. Fixing it turns the raising off.
    static func returnLargeBuffersWhenFreed() {
        mallopt(M_MMAP_THRESHOLD, 256 * 1024)
    }

    /// Loading keys frees as much as it keeps (rows, documents, sealed copies), spread between
    /// what it keeps; glibc holds freed pages until asked. Ask once, so the resident size is
    /// what the state needs.
    static func releaseFreedMemory() {
        malloc_trim(0)
    }

    /// Every connection holds a descriptor: lift the soft limit to the hard one, so that many
    /// clients are refused by the hard limit only (a process out of descriptors fails badly).
    static func raiseDescriptorLimit(logger: Logger) {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        let before = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        if setrlimit(resource, &limit) == 0 {
            logger.info("raised the open-files limit", metadata: ["from": "\(before)", "to": "\(limit.rlim_max)"])
        }
    }
}
