public import Foundation

/// What one execution environment runs: a function's code and configuration at one moment.
///
/// Environments are reused only for invocations whose spec has the same `configurationKey`.
public struct FunctionEnvironmentSpec: Sendable, Hashable {
    public var functionName: String
    /// `$LATEST` or a published version number.
    public var version: String
    /// `python3.9`…`python3.13`, `provided.al2023` or `provided.al2`.
    public var runtime: String
    /// `module.function` for Python; ignored for `provided.*`, whose `bootstrap` reads `_HANDLER` itself.
    public var handler: String
    /// The unzipped code. The runner never writes to it.
    public var codeDirectory: URL
    public var memoryMB: Int
    public var timeoutSeconds: Int
    /// Changes whenever code or configuration changes: environments are reused only for the same key.
    public var configurationKey: String

    public init(
        functionName: String,
        version: String = "$LATEST",
        runtime: String,
        handler: String,
        codeDirectory: URL,
        memoryMB: Int = 128,
        timeoutSeconds: Int = 3,
        configurationKey: String
    ) {
        self.functionName = functionName
        self.version = version
        self.runtime = runtime
        self.handler = handler
        self.codeDirectory = codeDirectory
        self.memoryMB = memoryMB
        self.timeoutSeconds = timeoutSeconds
        self.configurationKey = configurationKey
    }
}

/// One call to a function, as the Lambda service received it.
public struct FunctionInvocation: Sendable {
    /// A UUID string made by the caller; the function sees it as its request id.
    public var requestId: String
    public var payload: [UInt8]
    public var invokedFunctionArn: String
    /// Invoke's `X-Amz-Client-Context` (base64 JSON), passed through untouched.
    public var clientContext: String?

    public init(requestId: String, payload: [UInt8], invokedFunctionArn: String, clientContext: String? = nil) {
        self.requestId = requestId
        self.payload = payload
        self.invokedFunctionArn = invokedFunctionArn
        self.clientContext = clientContext
    }
}

/// One line of a function's log, as CloudWatch Logs stores it.
public struct FunctionLogEvent: Sendable, Equatable {
    /// Milliseconds since the epoch.
    public var timestamp: Int64
    public var message: String

    public init(timestamp: Int64, message: String) {
        self.timestamp = timestamp
        self.message = message
    }
}

/// What an invocation came to: the answer for Invoke's caller, and the log lines and figures of its REPORT line.
public struct InvocationOutcome: Sendable {
    public enum Result: Sendable, Equatable {
        /// The function's response body.
        case success([UInt8])
        /// The error JSON (`errorMessage`, `errorType`, …) for the caller, sent with `X-Amz-Function-Error: Unhandled`.
        case functionError([UInt8])
    }

    public var result: Result
    /// This invocation's log lines in order, `START`, `END` and `REPORT` included.
    public var logEvents: [FunctionLogEvent]
    /// The environment's log stream: `YYYY/MM/DD/[VERSION]<32 hex>`, as AWS names them.
    public var logStreamName: String
    public var durationMs: Double
    public var billedDurationMs: Int
    public var maxMemoryUsedMB: Int
    /// Set on a cold start.
    public var initDurationMs: Double?

    public init(
        result: Result,
        logEvents: [FunctionLogEvent],
        logStreamName: String,
        durationMs: Double,
        billedDurationMs: Int,
        maxMemoryUsedMB: Int,
        initDurationMs: Double?
    ) {
        self.result = result
        self.logEvents = logEvents
        self.logStreamName = logStreamName
        self.durationMs = durationMs
        self.billedDurationMs = billedDurationMs
        self.maxMemoryUsedMB = maxMemoryUsedMB
        self.initDurationMs = initDurationMs
    }

    /// The error type of a function error (`Sandbox.Timedout`, `Runtime.ExitError`, …), read from its body.
    public var errorType: String? {
        guard case .functionError(let body) = result,
            let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        else { return nil }
        return object["errorType"] as? String
    }
}

/// Why the runner could not run an invocation at all (nothing the function did).
public struct FunctionRuntimeError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case unsupportedRuntime
        case cannotStartProcess
        case cannotStartRuntimeAPI
        case shutDown
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public static func unsupportedRuntime(_ runtime: String) -> Self { Self(.unsupportedRuntime, runtime) }
    public static func cannotStartProcess(_ detail: String) -> Self { Self(.cannotStartProcess, detail) }
    public static func cannotStartRuntimeAPI(_ detail: String) -> Self { Self(.cannotStartRuntimeAPI, detail) }
    public static var shutDown: Self { Self(.shutDown, "") }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        switch code {
        case .unsupportedRuntime: "unsupported runtime \(detail)"
        case .cannotStartProcess: "cannot start the function's process: \(detail)"
        case .cannotStartRuntimeAPI: "cannot start the Runtime API server: \(detail)"
        case .shutDown: "the function runner has shut down"
        }
    }
}
