import AWSProtocol
import AccessControl
import Foundation
import FunctionRuntime
import Identity
import Logging
import Policy
import RampartCore
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Runs functions for real, on a server started with `--enable-functions`: each invocation in an
/// execution environment of `FunctionRuntime` (a child process speaking AWS's Runtime API), with
/// the code unpacked once per `CodeSha256`, the environment variables opened with the grant Lambda
/// holds on their key, and temporary credentials of the execution role (assumed by
/// `lambda.amazonaws.com`, its trust policy deciding). Each run's log goes to the function's log
/// group, one stream per environment, as AWS's do.
final class FunctionHost: FunctionExecutor, Service {
    let store: FunctionStore
    let runner: FunctionRunner
    let sts: STSService
    let iam: IAMService
    let environment: FunctionEnvironment
    let integrations: Integrations
    let hosting: FunctionHosting
    let clock: any ServiceClock
    let logger: Logger
    /// Invocations running now, by function ARN (reserved concurrency) and in all.
    private let running = Mutex<[String: Int]>([:])
    private let unpacking = AsyncLock()
    /// Runs' logs on their way to CloudWatch Logs: written beside the invocations, not in their
    /// answers' path (AWS's logs arrive shortly after the run, too).
    private let logs: AsyncStream<PendingLog>
    private let logInput: AsyncStream<PendingLog>.Continuation

    struct PendingLog: Sendable {
        var accountId: String
        var region: String
        var group: String
        var stream: String
        var events: [(timestamp: Int64, message: String)]
    }

    init(context: ServiceContext, store: FunctionStore) {
        self.store = store
        self.hosting = context.functions
        self.runner = FunctionRunner(
            configuration: .init(
                python: context.functions.python,
                workRoot: context.functions.scratchDirectory.appendingPathComponent("environments"),
                sandbox: Self.bubblewrap, hiddenPaths: context.functions.hiddenDirectories),
            logger: context.logger)
        self.sts = STSService(store: context.identity.store, vault: context.vault, clock: context.clock, iam: context.iam)
        self.iam = context.iam
        self.environment = FunctionEnvironment(integrations: context.integrations)
        self.integrations = context.integrations
        self.clock = context.clock
        self.logger = context.logger
        (logs, logInput) = AsyncStream.makeStream(of: PendingLog.self, bufferingPolicy: .bufferingNewest(10_000))
    }

    static func make(_ context: ServiceContext, store: FunctionStore) -> FunctionHost? {
        guard context.functions.enabled else { return nil }
        if let bwrap = bubblewrap {
            context.logger.notice("functions run inside bubblewrap", metadata: ["bwrap": .string(bwrap)])
        } else {
            context.logger.warning(
                "bubblewrap (bwrap) is not installed: functions run as plain processes of this server's user and can read what it can"
            )
        }
        return FunctionHost(context: context, store: store)
    }

    /// Bubblewrap, where installed (Debian's `bubblewrap`): every function then runs inside it.
    static let bubblewrap: String? = ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    func execute(
        _ function: StoredFunction, _ version: FunctionVersion, payload: [UInt8], requestId: String, invokedArn: String,
        clientContext: String?
    ) async throws(AWSError) -> ExecutionResult {
        try admit(function)
        defer { release(function) }
        let code = try await unpack(version.codeSha256)
        let spec = FunctionEnvironmentSpec(
            functionName: function.name, version: version.version, runtime: version.runtime ?? "",
            handler: version.handler ?? "", codeDirectory: code, memoryMB: version.memorySize,
            timeoutSeconds: version.timeout,
            configurationKey: "\(function.arn):\(version.version):\(version.revisionId):\(version.codeSha256)")
        let outcome: InvocationOutcome
        do {
            // The variables (and the role's credentials) are made only when a new environment starts.
            outcome = try await runner.invoke(
                spec,
                FunctionInvocation(
                    requestId: requestId, payload: payload, invokedFunctionArn: invokedArn, clientContext: clientContext),
                environment: { try await self.variables(function, version) })
        } catch let error as AWSError {
            throw error
        } catch {
            logger.error("a function's environment could not start", metadata: ["error": .string("\(error)")])
            throw .lambdaService("The function's execution environment could not be started.")
        }
        logInput.yield(
            PendingLog(
                accountId: function.accountId, region: function.region,
                group: version.logGroup ?? "/aws/lambda/\(function.name)", stream: outcome.logStreamName,
                // Lambda's messages end with a newline, as AWS's do.
                events: outcome.logEvents.map { ($0.timestamp, $0.message.hasSuffix("\n") ? $0.message : $0.message + "\n") }))
        let log = outcome.logEvents.map { $0.message.hasSuffix("\n") ? $0.message : $0.message + "\n" }.joined()
        switch outcome.result {
        case .success(let body): return ExecutionResult(payload: body, functionError: nil, log: log)
        case .functionError(let body): return ExecutionResult(payload: body, functionError: "Unhandled", log: log)
        }
    }

    func roleCaller(_ function: StoredFunction, _ version: FunctionVersion) async throws(AWSError) -> Caller {
        let (_, principal) = try await session(function, version)
        var caller = Caller(principal: principal, accessKeyId: "", region: function.region)
        if let context = try? await iam.context(for: principal) {
            caller.identityPolicies = context.policies
            caller.principalTags = context.tags
            caller.permissionsBoundary = context.permissionsBoundary
        }
        return caller
    }

    func retire(functionArn: String) async {
        guard let name = FunctionNames.parse(functionArn)?.name else { return }
        await runner.retire(functionName: name)
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await log in self.logs { await self.write(log) }
            }
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                await cancelWhenGracefulShutdown { try? await Task.sleep(for: .seconds(15)) }
                await runner.retireIdle()
            }
            await runner.shutdown()
            logInput.finish()  // what is queued is still written
        }
    }

    private func write(_ log: PendingLog) async {
        do {
            try await integrations.logEvents?.append(
                accountId: log.accountId, region: log.region, group: log.group, stream: log.stream, events: log.events)
        } catch {
            logger.error("a function's log could not be written")
        }
    }

    // MARK: Pieces

    /// Counts the invocation in, or refuses it past the function's reserved concurrency (or the
    /// account's, 1,000) with AWS's TooManyRequestsException.
    private func admit(_ function: StoredFunction) throws(AWSError) {
        let arn = function.arn
        let admitted = running.withLock { counts -> Bool in
            let mine = counts[arn, default: 0]
            let all = counts.values.reduce(0, +)
            if let reserved = function.reservedConcurrency, mine >= reserved { return false }
            if all >= FunctionRules.accountConcurrency { return false }
            counts[arn] = mine + 1
            return true
        }
        guard admitted else {
            throw .tooManyRequests(
                function.reservedConcurrency == nil
                    ? "Rate Exceeded." : "Rate Exceeded. (ReservedFunctionConcurrentInvocationLimitExceeded)")
        }
    }

    private func release(_ function: StoredFunction) {
        running.withLock { counts in
            let left = counts[function.arn, default: 1] - 1
            counts[function.arn] = left > 0 ? left : nil
        }
    }

    /// The code folder for a zip, unpacked once (with `unzip`, which keeps `bootstrap`'s mode).
    private func unpack(_ sha256: String) async throws(AWSError) -> URL {
        let hex = Hex.encode(Base64.decode(sha256) ?? Array(sha256.utf8))
        let root = hosting.scratchDirectory.appendingPathComponent("code")
        let folder = root.appendingPathComponent(hex)
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.path) { return folder }
        do {
            return try await unpacking.withLock { () async throws -> URL in
                if fm.fileExists(atPath: folder.path) { return folder }
                guard let zip = try await store.code(sha256: sha256) else {
                    throw AWSError.lambdaService("The function's code is missing.")
                }
                try fm.createDirectory(at: root, withIntermediateDirectories: true)
                let staging = root.appendingPathComponent(".\(hex).\(UUIDText.random())")
                let zipFile = staging.appendingPathExtension("zip")
                try Data(zip).write(to: zipFile)
                defer { try? fm.removeItem(at: zipFile) }
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
                process.arguments = ["-q", "-o", zipFile.path, "-d", staging.path]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                guard process.terminationStatus == 0 || process.terminationStatus == 1 else {
                    try? fm.removeItem(at: staging)
                    throw AWSError.lambdaInvalidParameter(
                        "Could not unzip uploaded file. Please check your file, then try to upload again.")
                }
                try fm.moveItem(at: staging, to: folder)
                return folder
            }
        } catch let error as AWSError {
            throw error
        } catch {
            throw .lambdaService("The function's code could not be unpacked.")
        }
    }

    /// What the function's process sees: its own variables, the role's credentials, and where
    /// AWS is (this server).
    private func variables(_ function: StoredFunction, _ version: FunctionVersion) async throws(AWSError) -> [String: String] {
        var variables: [String: String] = [:]
        if let sealed = version.environment {
            variables = try await environment.openForRun(
                sealed, functionArn: function.arn, accountId: function.accountId, region: function.region)
        }
        let (credentials, _) = try await session(function, version)
        variables["AWS_ACCESS_KEY_ID"] = credentials.accessKeyId
        variables["AWS_SECRET_ACCESS_KEY"] = credentials.secretAccessKey
        variables["AWS_SESSION_TOKEN"] = credentials.sessionToken
        variables["AWS_REGION"] = function.region
        variables["AWS_DEFAULT_REGION"] = function.region
        variables["AWS_ENDPOINT_URL"] = hosting.endpoint
        variables["AWS_EXECUTION_ENV"] = "AWS_Lambda_\(version.runtime ?? "provided")"
        return variables
    }

    /// A session of the function's execution role, as `lambda.amazonaws.com` assumes it.
    private func session(
        _ function: StoredFunction, _ version: FunctionVersion
    ) async throws(AWSError)
        -> (TemporaryCredentials, Principal)
    {
        let lambda = Caller.service(
            "lambda.amazonaws.com", region: function.region, sourceArn: function.arn, sourceAccount: function.accountId)
        do {
            let (credentials, principal, _) = try await sts.assumeRole(
                caller: lambda, roleArn: version.role, sessionName: function.name, durationSeconds: 3600,
                sessionPolicy: nil, validatePolicy: Authorization.validateIdentityPolicy,
                authorize: { role in RoleCheck.refusal(lambda, role) })
            return (credentials, principal)
        } catch {
            throw RoleCheck.cannotAssume()
        }
    }
}
