// swift-tools-version: 6.1
// Basalt's micro-benchmarks on ordo-one/benchmark, a package of their own so that the main build and
// its tests never build them. Run and check them with scripts/bench-micro (not part of scripts/test).
import PackageDescription

let package = Package(
    name: "BasaltBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Basalt", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "BasaltMicro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BasaltCore", package: "Basalt"),
                .product(name: "BasaltStorage", package: "Basalt"),
                .product(name: "BasaltProtocol", package: "Basalt"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/BasaltMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
