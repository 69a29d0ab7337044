// swift-tools-version:6.1
// Rampart's fuzzing harness, kept out of the product: one libFuzzer target per parser that sees
// untrusted bytes, chosen by RAMPART_FUZZ_TARGET. Build and run with `Fuzz/run` (see its header).
import PackageDescription

let package = Package(
    name: "rampart-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "rampart", path: "../")
    ],
    targets: [
        .executableTarget(
            name: "RampartFuzz",
            dependencies: [.product(name: "RampartHotPaths", package: "rampart")],
            swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
        )
    ]
)
