import AWSProtocol
import Crypto
import Foundation
import Identity
import RampartCore
import ServiceKit

/// Lambda on the wire (REST-JSON): reads the typed requests, authorizes each call (the caller's
/// policies, and the function's resource policy), keeps functions in `FunctionStore` and runs
/// them through the executor (nil on a server started without `--enable-functions`).
struct LambdaAPI: OperationHandler {
    let store: FunctionStore
    let clock: any ServiceClock
    let environment: FunctionEnvironment
    let roles: RoleCheck
    let executor: (any FunctionExecutor)?
    let invocations: AsyncInvocations
    /// The operator's folder of packages named by path (`--functions-code-dir`), if any.
    var packages: URL? = nil

    typealias Shapes = LambdaShapes

    func handle(_ call: Invocation) async throws(AWSError) -> Reply {
        let input = call.input
        let caller = call.caller
        switch call.operation {
        case "CreateFunction": return .output(try await createFunction(Shapes.CreateFunctionRequest(input), caller))
        case "GetFunction": return .output(try await getFunction(Shapes.GetFunctionRequest(input), caller))
        case "GetFunctionConfiguration":
            let request = Shapes.GetFunctionConfigurationRequest(input)
            let (function, version) = try await find(request.functionName, request.qualifier, caller, call.operation)
            return .output(try await configuration(function, version, caller: caller))
        case "ListFunctions": return .output(try await listFunctions(Shapes.ListFunctionsRequest(input), caller))
        case "UpdateFunctionCode": return .output(try await updateFunctionCode(Shapes.UpdateFunctionCodeRequest(input), caller))
        case "UpdateFunctionConfiguration":
            return .output(try await updateFunctionConfiguration(Shapes.UpdateFunctionConfigurationRequest(input), caller))
        case "DeleteFunction": return .json(try await deleteFunction(Shapes.DeleteFunctionRequest(input), caller))
        case "PublishVersion": return .output(try await publishVersion(Shapes.PublishVersionRequest(input), caller))
        case "ListVersionsByFunction":
            return .output(try await listVersions(Shapes.ListVersionsByFunctionRequest(input), caller))
        case "CreateAlias", "GetAlias", "UpdateAlias", "DeleteAlias", "ListAliases":
            return try await alias(call.operation, input, caller)
        case "Invoke": return try await invoke(Shapes.InvocationRequest(input), caller, requestId: call.requestId)
        case "AddPermission", "RemovePermission", "GetPolicy":
            return try await permission(call.operation, input, caller)
        case "PutFunctionEventInvokeConfig", "UpdateFunctionEventInvokeConfig", "GetFunctionEventInvokeConfig",
            "DeleteFunctionEventInvokeConfig", "ListFunctionEventInvokeConfigs":
            return try await eventInvokeConfig(call.operation, input, caller)
        case "PutFunctionConcurrency", "GetFunctionConcurrency", "DeleteFunctionConcurrency":
            return try await concurrency(call.operation, input, caller)
        case "TagResource", "UntagResource", "ListTags": return try await tags(call.operation, input, caller)
        case "GetAccountSettings":
            try authorize(caller, "lambda:GetAccountSettings", resource: "*")
            let functions = try await stored { try await store.functions(accountId: caller.accountId, region: caller.region) }
            return .output(
                Shapes.GetAccountSettingsResponse(
                    accountLimit: Shapes.AccountLimit(rendered: [
                        "TotalCodeSize": 80_530_636_800, "CodeSizeUnzipped": 262_144_000, "CodeSizeZipped": 52_428_800,
                        "ConcurrentExecutions": .int(Int64(FunctionRules.accountConcurrency)),
                        "UnreservedConcurrentExecutions": .int(
                            Int64(FunctionRules.accountConcurrency - functions.compactMap(\.reservedConcurrency).reduce(0, +))),
                    ]),
                    accountUsage: Shapes.AccountUsage(rendered: [
                        "TotalCodeSize": .int(Int64(functions.reduce(0) { $0 + $1.latest.codeSize })),
                        "FunctionCount": .int(Int64(functions.count)),
                    ])))
        case "GetFunctionCodeSigningConfig":
            let request = Shapes.GetFunctionCodeSigningConfigRequest(input)
            let (function, _) = try await find(request.functionName, nil, caller, call.operation)
            return .json(["CodeSigningConfigArn": "", "FunctionName": .string(function.name)])
        case "GetRuntimeManagementConfig":
            let request = Shapes.GetRuntimeManagementConfigRequest(input)
            let (function, version) = try await find(request.functionName, request.qualifier, caller, call.operation)
            return .output(
                Shapes.GetRuntimeManagementConfigResponse(
                    updateRuntimeOn: "Auto",
                    functionArn: FunctionNames.arn(
                        accountId: function.accountId, region: function.region, name: function.name,
                        qualifier: version.version)))
        case "GetFunctionRecursionConfig":
            let request = Shapes.GetFunctionRecursionConfigRequest(input)
            _ = try await find(request.functionName, nil, caller, call.operation)
            return .output(Shapes.GetFunctionRecursionConfigResponse(recursiveLoop: "Terminate"))
        default:
            throw .lambdaUnsupported(call.operation)
        }
    }

    // MARK: Functions

    private func createFunction(
        _ r: Shapes.CreateFunctionRequest, _ caller: Caller
    ) async throws(AWSError)
        -> Shapes.FunctionConfiguration
    {
        guard let parsed = FunctionNames.parse(r.functionName), parsed.qualifier == nil else {
            throw .lambdaInvalidParameter("The function name \(r.functionName) is not valid.")
        }
        try checkAccount(parsed, caller)
        let arn = FunctionNames.arn(accountId: caller.accountId, region: caller.region, name: parsed.name)
        try authorize(caller, "lambda:CreateFunction", resource: arn)
        if let packageType = r.packageType, packageType.rawValue != "Zip" {
            throw .lambdaInvalidParameter("PackageType Image is not supported by this Rampart build yet.")
        }
        try FunctionRules.checkRuntime(r.runtime?.rawValue, handler: r.handler)
        let zip = try code(zipFile: r.code.zipFile, s3Bucket: r.code.s3Bucket, s3Key: r.code.s3Key)
        try FunctionRules.checkLimits(timeout: r.timeout, memorySize: r.memorySize)
        try await roles.check(r.role, caller: caller)
        if let tags = r.tags { try FunctionRules.checkTags(tags) }
        var version = FunctionVersion(
            version: "$LATEST", runtime: r.runtime?.rawValue, handler: r.handler, role: r.role,
            description: r.description ?? "", timeout: r.timeout ?? 3, memorySize: r.memorySize ?? 128,
            codeSha256: FunctionRules.codeSha256(zip), codeSize: zip.count, environment: nil, kmsKeyArn: r.kmsKeyArn,
            lastModified: FunctionRules.lastModified(clock.now), revisionId: UUIDText.random(),
            architectures: r.architectures?.map(\.rawValue) ?? ["x86_64"], ephemeralStorage: r.ephemeralStorage?.size ?? 512,
            tracingMode: r.tracingConfig?.mode?.rawValue ?? "PassThrough", deadLetterTarget: r.deadLetterConfig?.targetArn,
            logFormat: r.loggingConfig?.logFormat?.rawValue ?? "Text", logGroup: r.loggingConfig?.logGroup,
            packageType: "Zip")
        if let variables = r.environment?.variables, !variables.isEmpty {
            try FunctionEnvironment.check(variables)
            version.environment = try await environment.seal(variables, keyArn: r.kmsKeyArn, functionArn: arn, caller: caller)
        }
        var function = StoredFunction(
            accountId: caller.accountId, region: caller.region, name: parsed.name, latest: version, tags: r.tags ?? [:])
        if r.publish == true { function.publish(description: nil) }
        let created = try await stored { [function, zip] in try await store.create(function, zip: zip) }
        guard created else { throw .lambdaConflict("Function already exist: \(parsed.name)") }
        CallNotes.current?.acted(on: arn)
        var answer = try await configuration(function, r.publish == true ? function.versions.last! : version, caller: caller)
        answer.state = "Pending"
        answer.stateReason = "The function is being created."
        answer.stateReasonCode = "Creating"
        return answer
    }

    private func getFunction(
        _ r: Shapes.GetFunctionRequest, _ caller: Caller
    ) async throws(AWSError)
        -> Shapes.GetFunctionResponse
    {
        let (function, version) = try await find(r.functionName, r.qualifier, caller, "GetFunction")
        return Shapes.GetFunctionResponse(
            configuration: try await configuration(function, version, caller: caller),
            code: Shapes.FunctionCodeLocation(
                repositoryType: "S3",
                location:
                    "file:///lambda/\(function.accountId)/\(function.name)/\(Hex.encode(Base64.decode(version.codeSha256) ?? [])).zip"
            ),
            tags: r.qualifier == nil ? function.tags : nil,
            concurrency: function.reservedConcurrency.map { Shapes.Concurrency(reservedConcurrentExecutions: $0) })
    }

    private func listFunctions(
        _ r: Shapes.ListFunctionsRequest, _ caller: Caller
    ) async throws(AWSError)
        -> Shapes.ListFunctionsResponse
    {
        try authorize(caller, "lambda:ListFunctions", resource: "*")
        let functions = try await stored { try await store.functions(accountId: caller.accountId, region: caller.region) }
        var all: [(StoredFunction, FunctionVersion)] = []
        for f in functions {
            all.append((f, f.latest))
            if r.functionVersion?.rawValue == "ALL" { all += f.versions.map { (f, $0) } }
        }
        let (page, next) = try FunctionRules.page(all, marker: r.marker, maxItems: r.maxItems) {
            "\($0.0.name):\($0.1.version)"
        }
        var configurations: [Shapes.FunctionConfiguration] = []
        for (f, v) in page { configurations.append(try await configuration(f, v, caller: caller)) }
        return Shapes.ListFunctionsResponse(nextMarker: next, functions: configurations)
    }

    private func updateFunctionCode(
        _ r: Shapes.UpdateFunctionCodeRequest, _ caller: Caller
    ) async throws(AWSError)
        -> Shapes.FunctionConfiguration
    {
        let (function, _) = try await find(r.functionName, nil, caller, "UpdateFunctionCode", unqualified: true)
        let zip = try code(zipFile: r.zipFile, s3Bucket: r.s3Bucket, s3Key: r.s3Key)
        if r.dryRun == true {
            var version = function.latest
            version.codeSha256 = FunctionRules.codeSha256(zip)
            version.codeSize = zip.count
            return try await configuration(function, version, caller: caller)
        }
        let now = clock.now
        let updated = try await change(function, zip: zip) { f throws(AWSError) in
            try FunctionRules.checkRevision(r.revisionId, f.latest.revisionId)
            f.latest.codeSha256 = FunctionRules.codeSha256(zip)
            f.latest.codeSize = zip.count
            f.latest.lastModified = FunctionRules.lastModified(now)
            f.latest.revisionId = UUIDText.random()
            if r.publish == true { f.publish(description: nil) }
        }
        await executor?.retire(functionArn: function.arn)
        var answer = try await configuration(
            updated, r.publish == true ? updated.versions.last! : updated.latest, caller: caller)
        answer.lastUpdateStatus = "InProgress"
        answer.lastUpdateStatusReason = "The function is being created."
        answer.lastUpdateStatusReasonCode = "Creating"
        return answer
    }

    private func updateFunctionConfiguration(
        _ r: Shapes.UpdateFunctionConfigurationRequest, _ caller: Caller
    )
        async throws(AWSError) -> Shapes.FunctionConfiguration
    {
        let (function, _) = try await find(r.functionName, nil, caller, "UpdateFunctionConfiguration", unqualified: true)
        if r.runtime != nil || r.handler != nil {
            try FunctionRules.checkRuntime(
                r.runtime?.rawValue ?? function.latest.runtime, handler: r.handler ?? function.latest.handler)
        }
        try FunctionRules.checkLimits(timeout: r.timeout, memorySize: r.memorySize)
        if let role = r.role { try await roles.check(role, caller: caller) }
        var sealed: SealedEnvironment?? = nil
        if let variables = r.environment?.variables {
            try FunctionEnvironment.check(variables)
            sealed = .some(
                variables.isEmpty
                    ? nil
                    : try await environment.seal(
                        variables, keyArn: r.kmsKeyArn ?? function.latest.kmsKeyArn, functionArn: function.arn, caller: caller))
        } else if let key = r.kmsKeyArn, key != function.latest.kmsKeyArn, let current = function.latest.environment {
            // A new key re-seals the variables as they are.
            let variables = try await environment.open(current, functionArn: function.arn, caller: caller)
            sealed = .some(
                try await environment.seal(
                    variables, keyArn: key.isEmpty ? nil : key, functionArn: function.arn, caller: caller))
        }
        let now = clock.now
        let newEnvironment = sealed
        let updated = try await change(function) { f throws(AWSError) in
            try FunctionRules.checkRevision(r.revisionId, f.latest.revisionId)
            var v = f.latest
            if let x = r.role { v.role = x }
            if let x = r.handler { v.handler = x }
            if let x = r.description { v.description = x }
            if let x = r.timeout { v.timeout = x }
            if let x = r.memorySize { v.memorySize = x }
            if let x = r.runtime { v.runtime = x.rawValue }
            if let x = r.kmsKeyArn { v.kmsKeyArn = x.isEmpty ? nil : x }
            if let x = r.deadLetterConfig { v.deadLetterTarget = (x.targetArn ?? "").isEmpty ? nil : x.targetArn }
            if let x = r.tracingConfig?.mode { v.tracingMode = x.rawValue }
            if let x = r.ephemeralStorage { v.ephemeralStorage = x.size }
            if let x = r.loggingConfig {
                if let format = x.logFormat { v.logFormat = format.rawValue }
                if let group = x.logGroup { v.logGroup = group }
            }
            if let newEnvironment { v.environment = newEnvironment }
            v.lastModified = FunctionRules.lastModified(now)
            v.revisionId = UUIDText.random()
            f.latest = v
        }
        await executor?.retire(functionArn: function.arn)
        var answer = try await configuration(updated, updated.latest, caller: caller)
        answer.lastUpdateStatus = "InProgress"
        answer.lastUpdateStatusReason = "The function is being created."
        answer.lastUpdateStatusReasonCode = "Creating"
        return answer
    }

    private func deleteFunction(_ r: Shapes.DeleteFunctionRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        let (function, _) = try await find(r.functionName, nil, caller, "DeleteFunction", unqualified: true)
        if let qualifier = r.qualifier ?? FunctionNames.parse(r.functionName)?.qualifier {
            guard qualifier != "$LATEST" else {
                throw .lambdaInvalidParameter("$LATEST version cannot be deleted without deleting the function.")
            }
            if let alias = function.aliases.values.first(where: { $0.functionVersion == qualifier }) {
                throw .lambdaConflict(
                    "Unable to delete version because the following aliases reference it: [\(alias.name)]")
            }
            guard function.versions.contains(where: { $0.version == qualifier }) else {
                throw .functionNotFound(
                    FunctionNames.arn(
                        accountId: function.accountId, region: function.region, name: function.name, qualifier: qualifier))
            }
            _ = try await change(function) { f throws(AWSError) in
                f.versions.removeAll { $0.version == qualifier }
                f.eventInvokeConfigs[qualifier] = nil
            }
            return [:]
        }
        guard
            try await stored({
                try await store.delete(accountId: function.accountId, region: function.region, name: function.name)
            })
        else { throw .functionNotFound(function.arn) }
        await executor?.retire(functionArn: function.arn)
        return [:]
    }

    // MARK: Shared

    /// The package a request carries, or names in the operator's package folder.
    func code(zipFile: [UInt8]?, s3Bucket: String?, s3Key: String?) throws(AWSError) -> [UInt8] {
        guard zipFile == nil, s3Bucket == FunctionRules.localBucket, let packages, let key = s3Key else {
            return try FunctionRules.zip(zipFile, s3Bucket: s3Bucket)
        }
        let file = try FunctionRules.localPackagePath(key, in: packages)
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? nil
        guard let size else { throw .lambdaInvalidParameter("No package at \(key) in the server's package folder.") }
        guard size <= FunctionRules.maxLocalPackageBytes else {
            throw .lambdaInvalidParameter(
                "Unzipped size must be smaller than \(FunctionRules.maxLocalPackageBytes) bytes")
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw .lambdaInvalidParameter("No package at \(key) in the server's package folder.")
        }
        return try FunctionRules.zip(Array(data), s3Bucket: nil, limit: FunctionRules.maxLocalPackageBytes)
    }

    /// The function and version a `FunctionName` (and `Qualifier`) names, once `caller` may act
    /// on it with `operation`'s action.
    func find(
        _ name: String, _ qualifier: String?, _ caller: Caller, _ operation: String, unqualified: Bool = false,
        action: String? = nil
    ) async throws(AWSError) -> (StoredFunction, FunctionVersion) {
        guard let parsed = FunctionNames.parse(name) else {
            throw .lambdaInvalidParameter("The function name \(name) is not valid.")
        }
        if let q1 = parsed.qualifier, let q2 = qualifier, q1 != q2 {
            throw .lambdaInvalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
        }
        let accountId = parsed.accountId ?? caller.accountId
        let region = parsed.region ?? caller.region
        let qualifier = qualifier ?? parsed.qualifier
        let arn = FunctionNames.arn(accountId: accountId, region: region, name: parsed.name, qualifier: qualifier)
        let function = try await stored { try await store.function(accountId: accountId, region: region, name: parsed.name) }
        try authorize(
            caller, action ?? LambdaOperations.table[operation]?.action ?? "lambda:\(operation)", resource: arn,
            function: function)
        guard let function else { throw .functionNotFound(arn) }
        CallNotes.current?.acted(on: function.arn)
        if unqualified { return (function, function.latest) }
        guard let version = function.version(qualifier) else { throw .functionNotFound(arn) }
        return (function, version)
    }

    /// Authorizes as AWS does: the caller's policies within the account, the function's
    /// resource policy as well (and alone for other accounts).
    func authorize(_ caller: Caller, _ action: String, resource: String, function: StoredFunction? = nil) throws(AWSError) {
        if let denial = FunctionPolicy.authorize(caller, action, resource: resource, function: function) { throw denial }
    }

    func checkAccount(_ parsed: FunctionNames.Parsed, _ caller: Caller) throws(AWSError) {
        if let account = parsed.accountId, account != caller.accountId {
            throw AWSError(
                code: "AccessDeniedException",
                message: "User: \(caller.principal.arn) is not authorized to create functions in account \(account)",
                httpStatus: 403)
        }
    }

    func change(
        _ function: StoredFunction, zip: [UInt8]? = nil,
        _ body: @escaping @Sendable (inout StoredFunction) throws(AWSError) -> Void
    ) async throws(AWSError) -> StoredFunction {
        let outcome: FunctionStore.UpdateOutcome<StoredFunction>
        do {
            outcome = try await store.update(
                accountId: function.accountId, region: function.region, name: function.name, zip: zip
            ) { f in
                try body(&f)
                return f
            }
        } catch let error as AWSError {
            throw error
        } catch {
            throw .lambdaService("The function store is unavailable; retry later.")
        }
        guard case .done(let updated) = outcome else { throw .functionNotFound(function.arn) }
        return updated
    }

    func stored<T: Sendable>(_ body: () async throws -> T) async throws(AWSError) -> T {
        do {
            return try await body()
        } catch {
            throw .lambdaService("The function store is unavailable; retry later.")
        }
    }

    /// A version's configuration as AWS shows it; the environment's values only for callers KMS
    /// lets decrypt them (else its `Error`).
    func configuration(
        _ function: StoredFunction, _ v: FunctionVersion, caller: Caller
    ) async throws(AWSError) -> Shapes.FunctionConfiguration {
        var environment: Shapes.EnvironmentResponse?
        if let sealed = v.environment {
            do {
                environment = Shapes.EnvironmentResponse(
                    variables: try await self.environment.open(sealed, functionArn: function.arn, caller: caller))
            } catch {
                environment = Shapes.EnvironmentResponse(
                    error: Shapes.EnvironmentError(rendered: [
                        "ErrorCode": .string(error.code), "Message": .string(error.message),
                    ]))
            }
        }
        let qualified = FunctionNames.arn(
            accountId: function.accountId, region: function.region, name: function.name,
            qualifier: v.version == "$LATEST" ? nil : v.version)
        return Shapes.FunctionConfiguration(
            functionName: function.name, functionArn: qualified, runtime: v.runtime, role: v.role, handler: v.handler,
            codeSize: v.codeSize, description: v.description, timeout: v.timeout, memorySize: v.memorySize,
            lastModified: v.lastModified, codeSha256: v.codeSha256, version: v.version,
            deadLetterConfig: v.deadLetterTarget.map { Shapes.DeadLetterConfig(targetArn: $0) }, environment: environment,
            kmsKeyArn: v.kmsKeyArn, tracingConfig: Shapes.TracingConfigResponse(mode: v.tracingMode),
            revisionId: v.revisionId, state: "Active", lastUpdateStatus: "Successful", packageType: v.packageType,
            architectures: v.architectures, ephemeralStorage: Shapes.EphemeralStorage(size: v.ephemeralStorage),
            snapStart: Shapes.SnapStartResponse(rendered: ["ApplyOn": "None", "OptimizationStatus": "Off"]),
            runtimeVersionConfig: nil,
            loggingConfig: Shapes.LoggingConfig(
                logFormat: Shapes.LogFormat(rawValue: v.logFormat), logGroup: v.logGroup ?? "/aws/lambda/\(function.name)"))
    }
}

extension StoredFunction {
    /// Publishes `$LATEST` as the next version, unless the newest version already has its code
    /// and configuration (AWS answers that version again).
    mutating func publish(description: String?) {
        if let last = versions.last, last.codeSha256 == latest.codeSha256, last.sameConfiguration(as: latest) {
            return
        }
        var v = latest
        v.version = String(nextVersion)
        if let description { v.description = description }
        v.revisionId = UUIDText.random()
        nextVersion += 1
        versions.append(v)
    }
}

extension FunctionVersion {
    func sameConfiguration(as other: FunctionVersion) -> Bool {
        var a = self
        var b = other
        (a.version, a.revisionId, a.lastModified, a.description) = ("", "", "", "")
        (b.version, b.revisionId, b.lastModified, b.description) = ("", "", "", "")
        return a == b
    }
}
