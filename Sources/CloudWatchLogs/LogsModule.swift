import AWSProtocol
import AccessControl
import Foundation
import Identity
import Logging
import RampartCore
public import ServiceKit
import ServiceLifecycle

/// Amazon CloudWatch Logs as the edge serves it: AWS JSON 1.1 under `Logs_20140328`.
public enum LogsModule {
    /// nil on a server without module tables (unit tests of the edge built on no database).
    /// Runs the retention sweep beside the server.
    public static func descriptor(_ context: ServiceContext) -> ServiceDescriptor? {
        guard let tables = context.tables else { return nil }
        let store = LogStore(tables: tables)
        context.integrations.register(logs: ServiceLogSink(store: store, clock: context.clock))
        return ServiceDescriptor(
            signingName: "logs", wire: .json(targetPrefix: "Logs_20140328"), model: .cloudWatchLogs,
            operations: LogsOperations.table,
            handler: LogsAPI(store: store, clock: context.clock, authorize: Authorization.iam),
            auditing: LogsAuditing(),
            backgroundServices: [RetentionSweep(store: store, clock: context.clock, logger: context.logger)],
            migrations: LogStore.migrations, maxRequestBytes: LogRules.maxRequestBytes)
    }
}

/// What CloudWatch Logs' records name: the log group (or stream) a call acted on.
struct LogsAuditing: CallAuditing {
    func resources(_ call: AuditContext) -> [(type: String, name: String)] {
        guard let group = call.input?["logGroupName"]?.stringValue else { return [] }
        return [("AWS::Logs::LogGroup", LogGroup.arn(accountId: call.caller.accountId, region: call.caller.region, name: group))]
    }
}

/// Deletes events older than their group's retention, once a minute of wall time, by the
/// service clock (reads already leave them out).
struct RetentionSweep: Service {
    let store: LogStore
    let clock: any ServiceClock
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await sweep()
            await cancelWhenGracefulShutdown { try? await Task.sleep(for: .seconds(60)) }
        }
    }

    func sweep() async {
        let now = Int64(clock.now.timeIntervalSince1970 * 1000)
        do {
            for group in try await store.groupsWithRetention() {
                guard let days = group.retentionDays else { continue }
                try await store.expire(
                    accountId: group.accountId, region: group.region, group: group.name, before: now - Int64(days) * LogRules.day)
            }
        } catch {
            logger.error("the log retention sweep failed; the next round retries")
        }
    }
}
