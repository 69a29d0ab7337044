import AWSProtocol
import Identity
import ServiceKit
import ServiceLifecycle

/// Runs functions for real (placeholder until the runtime lands).
final class FunctionHost: FunctionExecutor, Service {
    static func make(_ context: ServiceContext, store: FunctionStore) -> FunctionHost? { nil }

    func execute(
        _ function: StoredFunction, _ version: FunctionVersion, payload: [UInt8], requestId: String, invokedArn: String,
        clientContext: String?
    ) async throws(AWSError) -> ExecutionResult {
        throw .functionsDisabled()
    }

    func roleCaller(_ function: StoredFunction, _ version: FunctionVersion) async throws(AWSError) -> Caller {
        throw .functionsDisabled()
    }

    func retire(functionArn: String) async {}

    func run() async throws {}
}
