import AWSProtocol
import Crypto
import Foundation

/// Lambda's rules for what a function may be, pure: runtimes, limits, code, tags, paging.
enum FunctionRules {
    /// The runtimes Rampart runs: Python through AWS's runtime interface client, and custom
    /// runtimes (`provided.*`) through the zip's `bootstrap`.
    static let runnable: Set = [
        "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14", "provided", "provided.al2",
        "provided.al2023",
    ]
    /// Runtimes AWS no longer lets a function be created or updated with.
    static let deprecated: Set = [
        "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x",
        "nodejs16.x", "java8", "python2.7", "python3.6", "python3.7", "python3.8", "dotnetcore1.0", "dotnetcore2.0",
        "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "go1.x", "ruby2.5", "ruby2.7",
    ]
    static let accountConcurrency = 1000
    static let unreservedMinimum = 100
    /// A zip sent in the request: 50 MB (AWS's limit for direct uploads).
    static let maxZipBytes = 50 * 1024 * 1024
    /// The largest request: the zip in base64 inside JSON.
    static let maxRequestBytes = 70 * 1024 * 1024
    /// Invoke's payload: 6 MB synchronous, 1 MB for an Event invocation.
    static let maxSyncPayload = 6_291_456
    static let maxAsyncPayload = 1_048_576

    static func checkRuntime(_ runtime: String?, handler: String?) throws(AWSError) {
        guard let runtime else {
            throw .lambdaInvalidParameter(
                "Runtime and Handler are mandatory parameters for functions created with deployment packages.")
        }
        if deprecated.contains(runtime) {
            throw .lambdaInvalidParameter(
                "The runtime parameter of \(runtime) is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
            )
        }
        guard runnable.contains(runtime) else {
            throw .lambdaInvalidParameter(
                "The runtime parameter of \(runtime) is not supported by this Rampart build yet: use python3.9–python3.14 or provided.al2023."
            )
        }
        guard let handler, !handler.isEmpty else {
            throw .lambdaInvalidParameter(
                "Runtime and Handler are mandatory parameters for functions created with deployment packages.")
        }
    }

    static func checkLimits(timeout: Int?, memorySize: Int?) throws(AWSError) {
        if let timeout, !(1...900).contains(timeout) {
            throw .lambdaInvalidParameter(
                "1 validation error detected: Value '\(timeout)' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"
            )
        }
        if let memorySize, !(128...10240).contains(memorySize) {
            throw .lambdaInvalidParameter(
                "'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to 10240")
        }
    }

    /// The zip a request carries, checked as AWS checks it before anything runs.
    static func zip(_ zipFile: [UInt8]?, s3Bucket: String?, limit: Int = maxZipBytes) throws(AWSError) -> [UInt8] {
        guard let zip = zipFile else {
            if s3Bucket != nil {
                throw .lambdaInvalidParameter(
                    "S3 is not served by Rampart: send the deployment package as ZipFile, or name a package in the server's --functions-code-dir with S3Bucket \"local\"."
                )
            }
            throw .lambdaInvalidParameter("Please provide a source for function code.")
        }
        guard zip.count <= limit else {
            throw AWSError(
                code: "RequestEntityTooLargeException",
                message: "Request must be smaller than \(limit) bytes for the CreateFunction operation", httpStatus: 413)
        }
        guard zip.count >= 22, zip.starts(with: [0x50, 0x4B, 0x03, 0x04]) || zip.starts(with: [0x50, 0x4B, 0x05, 0x06]) else {
            throw .lambdaInvalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
        }
        return zip
    }

    /// A package named by path: `S3Bucket` `local` and `S3Key` a relative path inside the
    /// operator's package folder, up to 250 MB (AWS's limit for a package's code).
    static let localBucket = "local"
    static let maxLocalPackageBytes = 250 * 1024 * 1024

    static func localPackagePath(_ key: String, in folder: URL) throws(AWSError) -> URL {
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        guard !key.hasPrefix("/"), !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0 == "." }) else {
            throw .lambdaInvalidParameter("S3Key must be a relative path inside the server's package folder: \(key)")
        }
        let root = folder.standardizedFileURL.resolvingSymlinksInPath()
        let file = parts.reduce(root) { $0.appendingPathComponent(String($1)) }.resolvingSymlinksInPath()
        guard file.path.hasPrefix(root.path + "/") else {
            throw .lambdaInvalidParameter("S3Key must be a relative path inside the server's package folder: \(key)")
        }
        return file
    }

    /// `CodeSha256`: the base64 SHA-256 of the zip, as AWS reports it.
    static func codeSha256(_ zip: [UInt8]) -> String {
        Base64.encode(Array(SHA256.hash(data: zip)))
    }

    /// `LastModified`: `2026-12-07T20:25:44.123+0000`, as Lambda writes it.
    static func lastModified(_ date: Date) -> String {
        let iso = Timestamp.iso8601(date, fractional: true)  // 2026-12-07T20:25:44.123Z
        return iso.hasSuffix("Z") ? String(iso.dropLast()) + "+0000" : iso
    }

    static func checkRevision(_ given: String?, _ current: String) throws(AWSError) {
        if let given, given != current { throw .preconditionFailed() }
    }

    static func checkTags(_ tags: [String: String]) throws(AWSError) {
        guard tags.count <= 50 else { throw .lambdaInvalidParameter("The number of tags exceeds the limit of 50 tags.") }
        for key in tags.keys where key.lowercased().hasPrefix("aws:") {
            throw .lambdaInvalidParameter("Tag keys starting with 'aws:' are reserved for system use.")
        }
    }

    /// One page of `items`: after the item whose id the marker names, at most `maxItems` (50 by
    /// default, 10,000 at most), with the marker of the next page.
    static func page<T>(_ items: [T], marker: String?, maxItems: Int?, id: (T) -> String) throws(AWSError) -> ([T], String?) {
        var start = 0
        if let marker {
            guard let decoded = Base64.decode(marker).map({ String(decoding: $0, as: UTF8.self) }),
                let index = items.firstIndex(where: { id($0) == decoded })
            else { throw .lambdaInvalidParameter("Invalid marker: \(marker)") }
            start = index + 1
        }
        let limit = min(max(maxItems ?? 50, 1), 10_000)
        let end = min(items.count, start + limit)
        let page = Array(items[start..<end])
        let next = end < items.count ? page.last.map { Base64.encode(Array(id($0).utf8)) } : nil
        return (page, next)
    }
}
