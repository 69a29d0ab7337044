// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "rampart",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rampart", targets: ["rampart"]),
        // For the benchmark and fuzzing packages (Benchmarks/, Fuzz/), which measure and fuzz the hot
        // pieces directly: small pure modules only, so that the fuzzers never build the services.
        .library(name: "RampartHotPaths", targets: ["AWSProtocol", "Policy", "KMSCiphertext", "EventPatterns"]),
        // For the micro-benchmarks only (they build beside the release build and reuse its modules):
        // KMS's answers to Encrypt, Decrypt and GenerateDataKey, measured typed and untyped.
        .library(name: "RampartKMSAnswers", targets: ["KMS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
    ],
    targets: [
        // Wire formats, pure: SigV4, JSON 1.1 / Query codecs, AWS errors, ARNs.
        .target(
            name: "AWSProtocol",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Shared primitives with no domain: the injected clock, an async lock, random bytes.
        .target(name: "RampartCore", dependencies: ["CSystemRandom"], exclude: ["README.md"], swiftSettings: swiftSettings),
        .systemLibrary(name: "CSystemRandom", path: "Sources/CSystemRandom"),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        // Root of trust: wraps key material and secrets at rest.
        .target(
            name: "KeyVault",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Persistence without a domain: one SQL layer (SQLKit), SQLite now; the schema steps, the
        // document and table stores. Each domain's own store is a small module over it
        // (`KMSStorage`, `IdentityStorage`, `AuditStorage`), so the pure cores stay free of SQL.
        .target(
            name: "Storage",
            dependencies: [
                "RampartCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // The SQL stores of the domains that came before module schemas, each over `Storage`.
        .target(
            name: "KMSStorage",
            dependencies: ["KMS", "Storage", .product(name: "SQLKit", package: "sql-kit")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "IdentityStorage",
            dependencies: ["Identity", "Storage", .product(name: "SQLKit", package: "sql-kit")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AuditStorage",
            dependencies: [
                "AWSProtocol", "Audit", "Storage",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // zlib, for gzip log files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // CloudTrail records, the trail, export and the digest chain.
        .target(
            name: "Audit",
            dependencies: [
                "AWSProtocol", "CZlib", "RampartCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // The IAM policy language, pure: parse, validate, evaluate.
        .target(name: "Policy", exclude: ["README.md"], swiftSettings: swiftSettings),
        // Accounts, access keys, principals: who is calling.
        .target(
            name: "Identity",
            dependencies: ["AWSProtocol", "KeyVault", "RampartCore", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // OpenSSL's libcrypto and libsodium, behind a narrow C surface (Debian: libssl-dev, libsodium-dev).
        .target(
            name: "CKeyCrypto",
            linkerSettings: [.linkedLibrary("crypto"), .linkedLibrary("sodium")]
        ),
        // Asymmetric keys and MACs, pure: RSA, ECC, Ed25519, ML-DSA, HMAC.
        .target(
            name: "KeyCrypto",
            dependencies: ["CKeyCrypto", "KeyVault", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // What a service module gives the edge: its descriptor, operation table and handler.
        .target(
            name: "ServiceKit",
            dependencies: [
                "AWSProtocol", "Audit", "Identity", "KeyVault", "RampartCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Authorization for every service: identity, resource, session and trust policies.
        .target(
            name: "AccessControl",
            dependencies: ["AWSProtocol", "Identity", "Policy", "RampartCore"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // KMS's ciphertext format and encryption context, pure: what Decrypt reads from a caller.
        .target(
            name: "KMSCiphertext",
            dependencies: ["AWSProtocol", "RampartCore", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // The key service.
        .target(
            name: "KMS",
            dependencies: [
                "AccessControl", "AWSProtocol", "KeyCrypto", "KeyVault", "Identity", "KMSCiphertext", "Policy", "RampartCore",
                "ServiceKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md", "ERRORS.md"],
            swiftSettings: swiftSettings
        ),
        // IAM, STS and CloudTrail on the wire: one module each, over Identity and Audit.
        .target(
            name: "IAM",
            dependencies: ["AccessControl", "AWSProtocol", "Identity", "Policy", "ServiceKit"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "STS",
            dependencies: ["AccessControl", "AWSProtocol", "Identity", "ServiceKit"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloudTrail",
            dependencies: ["AccessControl", "AWSProtocol", "Audit", "Identity", "RampartCore", "ServiceKit"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // EventBridge's pattern language and SNS's filter policies, pure.
        .target(name: "EventPatterns", dependencies: ["AWSProtocol"], exclude: ["README.md"], swiftSettings: swiftSettings),
        // Amazon SQS: queues and messages.
        .target(
            name: "SQS",
            dependencies: [
                "AccessControl", "AWSProtocol", "Identity", "RampartCore", "ServiceKit",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Amazon EventBridge: buses, rules, targets, fed by the trail; deliveries through an outbox.
        .target(
            name: "EventBridge",
            dependencies: [
                "AccessControl", "Audit", "AWSProtocol", "EventPatterns", "Identity", "Policy", "RampartCore", "ServiceKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Amazon SNS: topics, subscriptions, signed deliveries.
        .target(
            name: "SNS",
            dependencies: [
                "AccessControl", "AWSProtocol", "EventPatterns", "Identity", "KeyVault", "Policy", "RampartCore",
                "ServiceKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Amazon CloudWatch Logs: log groups, streams, events, filter patterns.
        .target(
            name: "CloudWatchLogs",
            dependencies: [
                "AccessControl", "AWSProtocol", "Identity", "RampartCore", "ServiceKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Lambda function code run for real: child processes speaking AWS's Lambda Runtime API.
        .target(
            name: "FunctionRuntime",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // AWS Lambda (REST-JSON): functions, versions, aliases, permissions, Invoke, the queue of
        // asynchronous invocations; runs code through FunctionRuntime under --enable-functions.
        .target(
            name: "Lambda",
            dependencies: [
                "AccessControl", "AWSProtocol", "FunctionRuntime", "Identity", "Policy", "RampartCore", "ServiceKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // HTTP edge.
        .target(
            name: "RampartServer",
            dependencies: [
                "AccessControl", "AWSProtocol", "Audit", "AuditStorage", "CloudTrail", "CloudWatchLogs", "EventBridge", "IAM",
                "Lambda",
                "Identity", "IdentityStorage", "KMS", "KMSStorage", "KeyVault", "Policy", "ServiceKit", "SNS", "SQS", "STS",
                "Storage", "RampartCore", "CMalloc",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "rampart",
            dependencies: [
                "RampartServer", "AWSProtocol", "Audit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test doubles: manual clock, in-memory pieces.
        .target(
            name: "RampartTestSupport",
            dependencies: ["AWSProtocol", "KeyVault", "Identity", "KMS", "RampartCore", "ServiceKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AWSProtocolTests",
            dependencies: ["AWSProtocol"],
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "RampartCoreTests", dependencies: ["RampartCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServiceKitTests", dependencies: ["ServiceKit", "AWSProtocol", "Identity"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PolicyTests",
            dependencies: ["Policy"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditTests",
            dependencies: ["Audit", "AWSProtocol", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IdentityTests",
            dependencies: ["Identity", "RampartTestSupport", "RampartCore", "AWSProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SNSTests",
            dependencies: [
                "SNS", "AWSProtocol", "EventPatterns", "Identity", "KeyVault", "RampartCore", "RampartTestSupport",
                "ServiceKit", "Storage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SQSTests", dependencies: ["SQS", "AWSProtocol", "RampartCore", "ServiceKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EventBridgeTests",
            dependencies: [
                "EventBridge", "Audit", "AWSProtocol", "Identity", "RampartCore", "RampartTestSupport", "ServiceKit",
                "Storage", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LambdaTests",
            dependencies: ["Lambda", "AWSProtocol", "ServiceKit"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CloudWatchLogsTests",
            dependencies: ["CloudWatchLogs", "AWSProtocol", "RampartCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "EventPatternsTests", dependencies: ["EventPatterns", "AWSProtocol"], swiftSettings: swiftSettings),
        .testTarget(
            name: "IAMTests",
            dependencies: ["IAM", "Identity", "Audit", "AWSProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KeyVaultTests",
            dependencies: ["KeyVault"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KeyCryptoTests",
            dependencies: ["KeyCrypto", "CKeyCrypto", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KMSTests",
            dependencies: ["KMS", "KMSCiphertext", "RampartTestSupport", "ServiceKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KMSCiphertextTests",
            dependencies: ["KMSCiphertext", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "Audit", "AuditStorage", "Identity", "IdentityStorage", "KMS", "KMSCiphertext", "KMSStorage",
                "AWSProtocol", "KeyVault", "RampartCore", "RampartTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            // A store written by an older Rampart (`OldStoreTests`).
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FunctionRuntimeTests",
            dependencies: ["FunctionRuntime", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RampartServerTests",
            dependencies: [
                "AccessControl", "Policy", "RampartServer", "RampartTestSupport", "ServiceKit", "IAM", "STS", "KMS", "Audit",
                "Identity", .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
