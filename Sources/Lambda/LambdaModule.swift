import AWSProtocol
import Foundation
import Identity
import Logging
import RampartCore
public import ServiceKit

/// AWS Lambda as the edge serves it: REST-JSON, routed by the model's URIs. Functions are kept
/// always; they run only on a server started with `--enable-functions` (the executor).
public enum LambdaModule {
    /// nil on a server without module tables. Registers the `lambda` sink (EventBridge targets,
    /// SNS subscriptions and destinations deliver through it) and runs the queue of
    /// asynchronous invocations beside the server.
    public static func descriptor(_ context: ServiceContext) -> ServiceDescriptor? {
        guard let tables = context.tables else { return nil }
        let store = FunctionStore(tables: tables)
        let host = FunctionHost.make(context, store: store)
        let running: (any FunctionExecutor)? = host
        let invocations = AsyncInvocations(
            store: store, clock: context.clock, integrations: context.integrations, executor: running,
            logger: context.logger)
        context.integrations.register(invocations, for: "lambda")
        let model = ServiceModel.lambda
        let api = LambdaAPI(
            store: store, clock: context.clock, environment: FunctionEnvironment(integrations: context.integrations),
            roles: RoleCheck(iam: context.iam), executor: running, invocations: invocations,
            packages: context.functions.packageDirectory)
        return ServiceDescriptor(
            signingName: "lambda",
            wire: .restJSON(routes: RESTBinding.routes(model, operations: LambdaOperations.table.names)), model: model,
            operations: LambdaOperations.table, handler: api, auditing: LambdaAuditing(),
            backgroundServices: [invocations] + (host.map { [$0] } ?? []), migrations: FunctionStore.migrations,
            maxRequestBytes: FunctionRules.maxRequestBytes)
    }
}

/// What records name: the function, and never its code, payloads or environment values.
struct LambdaAuditing: CallAuditing {
    func resourcesBefore(operation: String, input: JSONValue?, caller: Caller) -> [String] { [] }

    func resources(_ call: AuditContext) -> [(type: String, name: String)] {
        let name = call.input?["FunctionName"]?.stringValue ?? call.input?["Resource"]?.stringValue
        guard let name, let parsed = FunctionNames.parse(name) else { return [] }
        return [
            (
                "AWS::Lambda::Function",
                FunctionNames.arn(
                    accountId: parsed.accountId ?? call.caller.accountId, region: parsed.region ?? call.caller.region,
                    name: parsed.name)
            )
        ]
    }

    func requestParameters(_ parameters: inout [String: JSONValue], _ call: AuditContext) {
        for key in ["code", "Code", "zipFile", "ZipFile", "payload", "Payload"] { parameters[key] = nil }
        for key in ["environment", "Environment"] where parameters[key] != nil {
            parameters[key] = "HIDDEN_DUE_TO_SECURITY_REASONS"
        }
    }

    func responseElements(_ call: AuditContext) -> JSONValue? { nil }
    func additionalEventData(_ call: AuditContext) -> JSONValue? { nil }
    func otherRegionRecords(_ call: AuditContext) -> [RegionalRecord] { [] }
}
