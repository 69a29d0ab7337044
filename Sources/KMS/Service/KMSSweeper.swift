import Logging
public import ServiceLifecycle
import Synchronization

/// Runs the key service's sweep on a fixed interval inside the server's service group, and once
/// more when the group stops (so last-usage records are written on a clean stop).
public struct KMSSweeper: Service {
    let kms: KeyManagementService
    let interval: Duration

    public init(kms: KeyManagementService, interval: Duration = .seconds(1)) {
        self.kms = kms
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await kms.sweep()
                try? await Task.sleep(for: interval)
            }
        }
        await kms.flushLastUsage()
    }
}
