// swift-tools-version:6.1
// Rampart's benchmarks, kept out of the product: micro-benchmarks of the hot pieces
// (package-benchmark: `swift package --package-path Benchmarks benchmark`), and the "ceiling" server
// that `Benchmarks/run` drives side by side with Rampart and its peers.
import PackageDescription

let package = Package(
    name: "rampart-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "rampart", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        // A bare Hummingbird handler that reads the body, AES-GCM-seals it and answers JSON: what
        // any HTTP KMS could reach at best on this machine.
        .executableTarget(
            name: "Ceiling",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Ceiling"
        ),
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RampartHotPaths", package: "rampart"),
                .product(name: "RampartKMSAnswers", package: "rampart"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
