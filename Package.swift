// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Basalt",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "basalt", targets: ["basalt"]),
        .library(name: "BasaltCore", targets: ["BasaltCore"]),
        .library(name: "BasaltStorage", targets: ["BasaltStorage"]),
        .library(name: "BasaltCoordination", targets: ["BasaltCoordination"]),
        .library(name: "BasaltProtocol", targets: ["BasaltProtocol"]),
        .library(name: "BasaltServer", targets: ["BasaltServer"]),
        .library(name: "BasaltClient", targets: ["BasaltClient"]),
        .library(name: "BasaltShell", targets: ["BasaltShell"]),
        .library(name: "BasaltThrift", targets: ["BasaltThrift"]),
        .library(name: "BasaltInfo", targets: ["BasaltInfo"]),
        .library(name: "BasaltSettings", targets: ["BasaltSettings"]),
        .library(name: "BasaltMeta", targets: ["BasaltMeta"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .target(
            name: "BasaltCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "BasaltStorage",
            dependencies: [
                "BasaltCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "BasaltSettings", dependencies: ["BasaltCore", "BasaltStorage"]),
        .target(
            name: "BasaltCoordination",
            dependencies: [
                "BasaltCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "BasaltProtocol",
            dependencies: [
                "BasaltCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Generated/README.md"]
        ),
        .target(name: "BasaltMeta", dependencies: ["BasaltCore", "BasaltProtocol"]),
        .target(
            name: "BasaltServer",
            dependencies: [
                "BasaltCore",
                "BasaltStorage",
                "BasaltSettings",
                "BasaltCoordination",
                "BasaltProtocol",
                "BasaltMeta",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        .target(
            name: "BasaltInfo",
            dependencies: [
                "BasaltCore",
                "BasaltStorage",
                "BasaltServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .target(
            name: "BasaltClient",
            dependencies: [
                "BasaltCore",
                "BasaltCoordination",
                "BasaltProtocol",
                "BasaltMeta",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BasaltShell",
            dependencies: ["BasaltCore", "BasaltMeta", "BasaltClient"]
        ),
        .target(
            name: "BasaltThrift",
            dependencies: [
                "BasaltCore",
                "BasaltMeta",
                "BasaltClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "BasaltTestSupport",
            dependencies: ["BasaltCore", "BasaltStorage", "BasaltServer", "BasaltClient"]
        ),
        // docs/embedding.md's example, built and run by scripts/test (and type-checked there against the
        // public API alone).
        .executableTarget(
            name: "embedding-example",
            dependencies: ["BasaltCore", "BasaltStorage", "BasaltSettings"],
            path: "Examples/Embedding"
        ),
        .executableTarget(
            name: "basalt",
            dependencies: [
                "BasaltCore",
                "BasaltStorage",
                "BasaltCoordination",
                "BasaltProtocol",
                "BasaltMeta",
                "BasaltServer",
                "BasaltClient",
                "BasaltShell",
                "BasaltThrift",
                "BasaltInfo",
                "BasaltSettings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "BasaltCoreTests", dependencies: ["BasaltCore"]),
        .testTarget(
            name: "BasaltProtocolTests",
            dependencies: [
                "BasaltCore", "BasaltProtocol",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(name: "BasaltStorageTests", dependencies: ["BasaltCore", "BasaltStorage", "BasaltTestSupport"], exclude: ["testdata"]),
        .testTarget(name: "BasaltSettingsTests", dependencies: ["BasaltCore", "BasaltStorage", "BasaltSettings"]),
        .testTarget(name: "BasaltCoordinationTests", dependencies: ["BasaltCore", "BasaltCoordination", "BasaltTestSupport"]),
        .testTarget(
            name: "BasaltServerTests",
            dependencies: [
                "BasaltCore", "BasaltCoordination", "BasaltProtocol", "BasaltMeta", "BasaltServer", "BasaltTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BasaltClientTests",
            dependencies: ["BasaltCore", "BasaltProtocol", "BasaltMeta", "BasaltServer", "BasaltClient", "BasaltTestSupport"],
            exclude: ["testdata"]
        ),
        .testTarget(
            name: "BasaltShellTests",
            dependencies: ["BasaltCore", "BasaltClient", "BasaltShell", "BasaltTestSupport"],
            exclude: ["Scripts"]
        ),
        .testTarget(
            name: "BasaltThriftTests",
            dependencies: ["BasaltCore", "BasaltClient", "BasaltThrift", "BasaltTestSupport"]
        ),
        .testTarget(
            name: "BasaltInfoTests",
            dependencies: ["BasaltCore", "BasaltServer", "BasaltClient", "BasaltInfo", "BasaltTestSupport"]
        ),
        .testTarget(name: "BasaltCLITests", dependencies: ["BasaltCore", "BasaltStorage", "BasaltCoordination", "BasaltProtocol", "BasaltMeta", "BasaltClient", "BasaltThrift", "BasaltTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
