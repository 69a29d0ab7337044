public import Foundation
public import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Runs Lambda functions' code for real: each execution environment is a child process group that
/// speaks AWS's Lambda Runtime API to a server of its own on a loopback port.
///
/// The runner knows nothing of accounts, IAM or storage: the caller gives it the code's folder, the
/// configuration and the function's variables (credentials included). Environments are kept warm and
/// reused for the same `configurationKey`, one invocation at a time each.
public actor FunctionRunner {
    public struct Configuration: Sendable {
        /// The Python interpreter with `awslambdaric` installed: a path, or a name looked up in `PATH`.
        public var python: String
        /// Scratch folder: each environment's `/tmp` and `HOME` are made inside it.
        public var workRoot: URL
        /// Environments idle longer than this are retired by `retireIdle(now:)`.
        public var idleSeconds: Int
        /// Log bytes kept per invocation; the rest is dropped, with one line saying so.
        public var maxLogBytesPerInvocation: Int
        /// Bubblewrap (`bwrap`), when the processes are to run inside it: the file system read-only,
        /// `hiddenPaths` and `/tmp` replaced by empty ones, only the environment's own code
        /// (read-only) and scratch folder (writable) visible inside them. nil: plain processes.
        public var sandbox: String?
        /// Folders no function may see (the server's data folder), when `sandbox` is set.
        public var hiddenPaths: [URL]

        public init(
            python: String = "python3",
            workRoot: URL,
            idleSeconds: Int = 300,
            maxLogBytesPerInvocation: Int = 4 << 20,
            sandbox: String? = nil,
            hiddenPaths: [URL] = []
        ) {
            self.sandbox = sandbox
            self.hiddenPaths = hiddenPaths
            self.python = python
            self.workRoot = workRoot
            self.idleSeconds = idleSeconds
            self.maxLogBytesPerInvocation = maxLogBytesPerInvocation
        }
    }

    private struct IdleEnvironment {
        var environment: ExecutionEnvironment
        var since: Date
    }

    private let configuration: Configuration
    private let logger: Logger
    private var idle: [String: [IdleEnvironment]] = [:]
    private var busy: [String: ExecutionEnvironment] = [:]
    /// The retirements made while invocations ran: an environment checked out (or being started)
    /// before one that matches it is retired when its invocation ends (code updated, function deleted).
    private var retirements: [(epoch: Int, matches: @Sendable (FunctionEnvironmentSpec) -> Bool)] = []
    private var epoch = 0
    private var invocationsInFlight = 0
    private var resolvedPython: [String: String] = [:]
    private var isShutDown = false

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Environments alive now, idle or busy.
    public var environmentCount: Int {
        busy.count + idle.values.reduce(0) { $0 + $1.count }
    }

    /// Runs one invocation in an idle warm environment for `spec.configurationKey`, or in a new one.
    ///
    /// A new environment's process gets only `environment()`'s variables (the function's own,
    /// credentials, `AWS_REGION`, …) and the ones Lambda defines (`AWS_LAMBDA_RUNTIME_API`,
    /// `AWS_LAMBDA_FUNCTION_NAME`, `_HANDLER`, `LAMBDA_TASK_ROOT`, `TZ`, …), which win.
    /// Whatever the function does (raise, time out, crash, use too much memory, answer too much)
    /// comes back as a `.functionError` outcome; this throws only when no process can be started.
    public func invoke(
        _ spec: FunctionEnvironmentSpec,
        _ invocation: FunctionInvocation,
        environment: @Sendable () async throws -> [String: String]
    ) async throws -> InvocationOutcome {
        var retried = false
        let startEpoch = epoch
        invocationsInFlight += 1
        defer {
            invocationsInFlight -= 1
            if invocationsInFlight == 0 { retirements = [] }
        }
        while true {
            guard !isShutDown else { throw FunctionRuntimeError.shutDown }
            let executionEnvironment: ExecutionEnvironment
            switch try await checkOut(spec, environment: environment) {
            case .environment(let checkedOut):
                executionEnvironment = checkedOut
            case .invalidEntrypoint(let message):
                return Self.invalidEntrypointOutcome(spec, invocation, message: message)
            }
            let record = await executionEnvironment.run(
                invocation, timeoutSeconds: spec.timeoutSeconds, memoryLimitBytes: spec.memoryMB << 20)

            // A warm environment that died while idle never saw this invocation: try once in a fresh one.
            if !record.wasColdStart, !record.handedOver, !retried, case .exited = record.ending {
                retried = true
                await checkIn(executionEnvironment, reusable: false, startEpoch: startEpoch)
                continue
            }
            await executionEnvironment.drainOutput()
            let outcome = Self.outcome(spec, invocation, record, executionEnvironment)
            await checkIn(
                executionEnvironment, reusable: record.ending.leavesEnvironmentReusable, startEpoch: startEpoch)
            return outcome
        }
    }

    /// Retires environments idle longer than `idleSeconds`, and any whose process has died.
    public func retireIdle(now: Date = Date()) async {
        var retiring: [ExecutionEnvironment] = []
        for (key, environments) in idle {
            let keep = environments.filter {
                now.timeIntervalSince($0.since) <= Double(configuration.idleSeconds) && $0.environment.isUsable
            }
            retiring += environments.filter { kept in !keep.contains { $0.environment === kept.environment } }
                .map(\.environment)
            idle[key] = keep.isEmpty ? nil : keep
        }
        await terminate(retiring)
    }

    /// Drops a function's environments (its code or configuration changed, or it was deleted): idle
    /// ones now, busy ones when their invocation ends.
    public func retire(functionName: String) async {
        await retire { $0.functionName == functionName }
    }

    /// Drops the environments made for one configuration.
    public func retire(configurationKey: String) async {
        await retire { $0.configurationKey == configurationKey }
    }

    /// Drops the environments whose configuration key starts with `configurationKeyPrefix` (for a caller
    /// whose keys begin with the function's ARN, say).
    public func retire(configurationKeyPrefix: String) async {
        await retire { $0.configurationKey.hasPrefix(configurationKeyPrefix) }
    }

    /// Kills every process group and removes every scratch folder; later invocations throw.
    public func shutdown() async {
        isShutDown = true
        let all = idle.values.flatMap { $0.map(\.environment) } + busy.values
        idle = [:]
        await terminate(all)
        try? FileManager.default.removeItem(at: configuration.workRoot.appendingPathComponent("environments"))
    }

    // MARK: Environments

    private enum CheckOut {
        case environment(ExecutionEnvironment)
        case invalidEntrypoint(String)
    }

    private func checkOut(
        _ spec: FunctionEnvironmentSpec, environment: @Sendable () async throws -> [String: String]
    ) async throws -> CheckOut {
        while var candidates = idle[spec.configurationKey], let candidate = candidates.popLast() {
            idle[spec.configurationKey] = candidates.isEmpty ? nil : candidates
            if candidate.environment.isUsable {
                busy[candidate.environment.id] = candidate.environment
                return .environment(candidate.environment)
            }
            await candidate.environment.terminate()
        }

        let (executable, arguments, extra) = try await entrypoint(spec)
        guard let executable else { return .invalidEntrypoint(arguments.first ?? "") }
        let variables = try await environment()

        let id = UUID().uuidString.lowercased()
        let directory = configuration.workRoot.appendingPathComponent("environments")
            .appendingPathComponent(id)
        let scratch = directory.appendingPathComponent("tmp")
        let runtimeDirectory = directory.appendingPathComponent("runtime")
        do {
            for folder in [scratch, runtimeDirectory] {
                try FileManager.default.createDirectory(
                    at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw FunctionRuntimeError.cannotStartProcess("cannot make the scratch folder: \(error)")
        }
        let executionEnvironment = ExecutionEnvironment(
            spec: spec, directory: directory, logStreamName: Self.makeLogStreamName(version: spec.version),
            maxLogBytes: configuration.maxLogBytesPerInvocation, logger: logger)
        busy[executionEnvironment.id] = executionEnvironment
        do {
            let address = try await executionEnvironment.startRuntimeAPI()
            var processEnvironment: [String: String] = [
                "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
            ]
            processEnvironment.merge(extra) { _, new in new }
            processEnvironment.merge(variables) { _, new in new }
            processEnvironment.merge([
                "AWS_LAMBDA_RUNTIME_API": address,
                "AWS_LAMBDA_FUNCTION_NAME": spec.functionName,
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": String(spec.memoryMB),
                "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/\(spec.functionName)",
                "AWS_LAMBDA_LOG_STREAM_NAME": executionEnvironment.logStreamName,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "LAMBDA_TASK_ROOT": spec.codeDirectory.path,
                "LAMBDA_RUNTIME_DIR": runtimeDirectory.path,
                "_HANDLER": spec.handler,
                "HOME": scratch.path,
                "TMPDIR": scratch.path,
            ]) { _, new in new }
            if spec.runtime.hasPrefix("python") {
                processEnvironment["AWS_EXECUTION_ENV"] = "AWS_Lambda_\(spec.runtime)"
                let taskRoot = spec.codeDirectory.path
                processEnvironment["PYTHONPATH"] = [taskRoot, variables["PYTHONPATH"]].compactMap { $0 }
                    .joined(separator: ":")
            }
            var (program, programArguments) = (executable, arguments)
            if let bwrap = configuration.sandbox {
                (program, programArguments) = (
                    bwrap,
                    Self.sandboxArguments(
                        code: spec.codeDirectory, scratch: directory, hidden: configuration.hiddenPaths)
                        + [executable] + arguments
                )
            }
            try await executionEnvironment.launch(
                executable: program, arguments: programArguments, environment: processEnvironment,
                initStartLine: "INIT_START Runtime Version: \(Self.runtimeVersion(spec.runtime))")
        } catch {
            busy[executionEnvironment.id] = nil
            await executionEnvironment.terminate()
            throw error
        }
        if isShutDown {
            busy[executionEnvironment.id] = nil
            await executionEnvironment.terminate()
            throw FunctionRuntimeError.shutDown
        }
        return .environment(executionEnvironment)
    }

    /// Bubblewrap's arguments: everything read-only, `/tmp` and the hidden folders empty, then the
    /// environment's code (read-only) and scratch folder (writable) where they were; the process
    /// dies with the runner and shares no IPC or host name with it.
    static func sandboxArguments(code: URL, scratch: URL, hidden: [URL]) -> [String] {
        var arguments = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        for folder in hidden { arguments += ["--tmpfs", folder.path] }
        arguments += [
            "--ro-bind", code.path, code.path, "--bind", scratch.path, scratch.path, "--chdir", code.path,
            "--die-with-parent", "--unshare-ipc", "--unshare-uts", "--",
        ]
        return arguments
    }

    /// The program to start and its arguments; a nil program means the code has no valid entrypoint,
    /// with AWS's message as the only argument.
    private func entrypoint(
        _ spec: FunctionEnvironmentSpec
    ) async throws -> (String?, [String], [String: String]) {
        if spec.runtime.hasPrefix("python") {
            let python = try resolvePython()
            let pythonDirectory = URL(fileURLWithPath: python).deletingLastPathComponent().path
            return (
                python, ["-m", "awslambdaric", spec.handler],
                ["PATH": "\(pythonDirectory):/usr/local/bin:/usr/bin/:/bin:/opt/bin"]
            )
        }
        if spec.runtime.hasPrefix("provided") {
            let bootstrap = spec.codeDirectory.appendingPathComponent("bootstrap").path
            guard access(bootstrap, X_OK) == 0 else {
                return (nil, ["Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"], [:])
            }
            return (bootstrap, [], [:])
        }
        throw FunctionRuntimeError.unsupportedRuntime(spec.runtime)
    }

    /// The interpreter's real path (`sys.executable`): a pyenv shim would need the server's variables.
    private func resolvePython() throws -> String {
        if let resolved = resolvedPython[configuration.python] { return resolved }
        var candidate = configuration.python
        if !candidate.contains("/") {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            guard
                let found = path.split(separator: ":").map({ (directory: Substring) -> String in
                    "\(directory)/\(candidate)"
                })
                .first(where: { (file: String) -> Bool in access(file, X_OK) == 0 })
            else { throw FunctionRuntimeError.cannotStartProcess("\(candidate) not found in PATH") }
            candidate = found
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: candidate)
        process.arguments = ["-c", "import sys; print(sys.executable)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw FunctionRuntimeError.cannotStartProcess("\(candidate): \(error)")
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let resolved = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let python = process.terminationStatus == 0 && !resolved.isEmpty ? resolved : candidate
        resolvedPython[configuration.python] = python
        return python
    }

    private func checkIn(_ environment: ExecutionEnvironment, reusable: Bool, startEpoch: Int) async {
        busy[environment.id] = nil
        let retired = retirements.contains { $0.epoch > startEpoch && $0.matches(environment.spec) }
        if reusable, !isShutDown, !retired, environment.isUsable {
            idle[environment.spec.configurationKey, default: []].append(
                IdleEnvironment(environment: environment, since: Date()))
        } else {
            await environment.terminate()
        }
    }

    private func retire(where matches: @escaping @Sendable (FunctionEnvironmentSpec) -> Bool) async {
        epoch += 1
        if invocationsInFlight > 0 { retirements.append((epoch, matches)) }
        var retiring: [ExecutionEnvironment] = []
        for (key, environments) in idle where environments.contains(where: { matches($0.environment.spec) }) {
            retiring += environments.map(\.environment)
            idle[key] = nil
        }
        await terminate(retiring)
    }

    private func terminate(_ environments: [ExecutionEnvironment]) async {
        await withTaskGroup(of: Void.self) { group in
            for environment in environments {
                group.addTask { await environment.terminate() }
            }
        }
    }

    // MARK: Outcomes

    private static func outcome(
        _ spec: FunctionEnvironmentSpec, _ invocation: FunctionInvocation, _ record: InvocationRecord,
        _ environment: ExecutionEnvironment
    ) -> InvocationOutcome {
        let requestId = invocation.requestId
        let result: InvocationOutcome.Result
        switch record.ending {
        case .response(let body):
            result = .success(body)
        case .error(let body), .initError(let body):
            result = .functionError(body)
        case .responseTooLarge:
            result = .functionError(
                RuntimeErrorBody(
                    errorMessage:
                        "Response payload size exceeded maximum allowed payload size "
                        + "(\(ExecutionEnvironment.maximumResponseBytes) bytes).",
                    errorType: "Function.ResponseSizeTooLarge"
                ).json)
        case .timedOut:
            let message = "Task timed out after \(String(format: "%.2f", Double(spec.timeoutSeconds))) seconds"
            environment.appendPlatformLine("\(iso8601Now()) \(requestId) \(message)")
            result = .functionError(
                RuntimeErrorBody(errorMessage: "RequestId: \(requestId) Error: \(message)", errorType: "Sandbox.Timedout")
                    .json)
        case .exited(let status):
            let message = "RequestId: \(requestId) Error: Runtime exited with error: \(status)"
            environment.appendPlatformLine(message)
            result = .functionError(RuntimeErrorBody(errorMessage: message, errorType: "Runtime.ExitError").json)
        case .outOfMemory:
            let message = "RequestId: \(requestId) Error: Runtime exited with error: signal: killed"
            environment.appendPlatformLine(message)
            result = .functionError(RuntimeErrorBody(errorMessage: message, errorType: "Runtime.OutOfMemory").json)
        }

        let maxMemoryUsedMB = min(spec.memoryMB, max(1, (record.maxResidentBytes + (1 << 20) - 1) >> 20))
        let billed = Int((record.durationMs + (record.initDurationMs ?? 0)).rounded(.up))
        var report =
            "REPORT RequestId: \(requestId)\tDuration: \(String(format: "%.2f", record.durationMs)) ms"
            + "\tBilled Duration: \(billed) ms\tMemory Size: \(spec.memoryMB) MB\tMax Memory Used: \(maxMemoryUsedMB) MB"
        if let initDuration = record.initDurationMs {
            report += "\tInit Duration: \(String(format: "%.2f", initDuration)) ms"
        }
        if !record.handedOver {
            // The runtime never took the invocation: AWS still shows its START line.
            environment.appendPlatformLine("START RequestId: \(requestId) Version: \(spec.version)")
        }
        environment.appendPlatformLine("END RequestId: \(requestId)")
        environment.appendPlatformLine(report)
        return InvocationOutcome(
            result: result, logEvents: environment.takeLogEvents(), logStreamName: environment.logStreamName,
            durationMs: record.durationMs, billedDurationMs: billed, maxMemoryUsedMB: maxMemoryUsedMB,
            initDurationMs: record.initDurationMs)
    }

    private static func invalidEntrypointOutcome(
        _ spec: FunctionEnvironmentSpec, _ invocation: FunctionInvocation, message: String
    ) -> InvocationOutcome {
        let requestId = invocation.requestId
        let now = ExecutionEnvironment.timestamp()
        let body = RuntimeErrorBody(
            errorMessage: "RequestId: \(requestId) Error: \(message)", errorType: "Runtime.InvalidEntrypoint")
        let lines = [
            "INIT_START Runtime Version: \(runtimeVersion(spec.runtime))",
            "START RequestId: \(requestId) Version: \(spec.version)",
            "RequestId: \(requestId) Error: \(message)",
            "Runtime.InvalidEntrypoint",
            "END RequestId: \(requestId)",
            "REPORT RequestId: \(requestId)\tDuration: 0.00 ms\tBilled Duration: 0 ms\tMemory Size: \(spec.memoryMB) MB"
                + "\tMax Memory Used: 0 MB",
        ]
        return InvocationOutcome(
            result: .functionError(body.json),
            logEvents: lines.map { FunctionLogEvent(timestamp: now, message: $0) },
            logStreamName: makeLogStreamName(version: spec.version), durationMs: 0, billedDurationMs: 0,
            maxMemoryUsedMB: 0, initDurationMs: nil)
    }

    /// `YYYY/MM/DD/[VERSION]<32 hex>`, as Lambda names its log streams.
    static func makeLogStreamName(version: String, now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: now)
        let date = String(format: "%04d/%02d/%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
        return "\(date)/[\(version)]\(ExecutionEnvironment.randomHex(16))"
    }

    /// `python3.11` → `python:3.11`, `provided.al2023` → `provided:al2023`, as INIT_START lines name them.
    static func runtimeVersion(_ runtime: String) -> String {
        if runtime.hasPrefix("python") { return "python:" + String(runtime.dropFirst("python".count)) }
        if runtime.hasPrefix("provided.") { return "provided:" + String(runtime.dropFirst("provided.".count)) }
        return runtime
    }

    private static func iso8601Now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
