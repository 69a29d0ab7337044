import AWSProtocol
import Identity

/// Runs a function version's code and answers what it returned. The server's executor runs real
/// processes (`FunctionRuntime`); a server started without `--enable-functions` has none.
protocol FunctionExecutor: Sendable {
    /// One invocation of `version` of `function`. A function's own failure (an exception, a
    /// timeout, a crash) is a result with `functionError`, not a thrown error; thrown errors are
    /// Lambda's own (`TooManyRequestsException` past the reserved concurrency, KMS failures
    /// opening the environment, a role that cannot be assumed).
    func execute(
        _ function: StoredFunction, _ version: FunctionVersion, payload: [UInt8], requestId: String, invokedArn: String,
        clientContext: String?
    ) async throws(AWSError) -> ExecutionResult

    /// The function's execution role as a caller (a session of the role, with its policies), for
    /// what Lambda sends on the function's behalf (destinations).
    func roleCaller(_ function: StoredFunction, _ version: FunctionVersion) async throws(AWSError) -> Caller

    /// Drops the warm environments of a function whose code or configuration changed.
    func retire(functionArn: String) async
}

/// What an invocation came to.
struct ExecutionResult: Sendable, Equatable {
    var payload: [UInt8]
    /// `Unhandled` when the function failed, nil when it answered.
    var functionError: String?
    /// The run's log (START to REPORT), for `LogType: Tail`.
    var log: String
}

extension ExecutionResult {
    /// The last 4 KB of the log, base64, as `X-Amz-Log-Result` carries it.
    var logTail: String {
        let bytes = Array(log.utf8)
        return Base64.encode(bytes.suffix(4096))
    }
}
