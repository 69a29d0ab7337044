import Foundation
import RampartCore
import ServiceKit

/// CloudWatch Logs as other services of this server write to it (a function's output to
/// `/aws/lambda/NAME`): the group and stream are made when missing, then the events appended, each
/// cut to AWS's largest event (256 KB less the 26 bytes of overhead).
struct ServiceLogSink: LogEventSink {
    let store: LogStore
    let clock: any ServiceClock

    func append(
        accountId: String, region: String, group: String, stream: String, events: [(timestamp: Int64, message: String)]
    ) async throws {
        guard !events.isEmpty else { return }
        let now = Int64(clock.now.timeIntervalSince1970 * 1000)
        if try await store.group(accountId: accountId, region: region, name: group) == nil {
            _ = try await store.create(
                LogGroup(
                    accountId: accountId, region: region, name: group, createdAt: now, retentionDays: nil, kmsKeyId: nil,
                    logGroupClass: "STANDARD", tags: [:]))
        }
        if try await store.stream(accountId: accountId, region: region, group: group, name: stream) == nil {
            _ = try await store.createStream(accountId: accountId, region: region, group: group, name: stream, at: now)
        }
        let limit = 262_144 - 26
        let cut = events.sorted { $0.timestamp < $1.timestamp }.map { event -> (timestamp: Int64, message: String) in
            guard event.message.utf8.count > limit else { return event }
            return (event.timestamp, String(decoding: event.message.utf8.prefix(limit), as: UTF8.self))
        }
        _ = try await store.append(
            accountId: accountId, region: region, group: group, stream: stream, events: cut, ingestedAt: now)
    }
}
