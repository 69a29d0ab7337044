import Metrics
import Prometheus

/// What `GET /_rampart/metrics` answers: every swift-metrics counter, gauge and timer the
/// services keep (EventBridge's matched events, invocations, failures and dead-letter sends per
/// rule; SNS's deliveries per subscription), in Prometheus's text format.
///
/// The process has one metrics system: the first server built bootstraps it, and every server
/// of the process (tests build several) shares its registry.
enum MetricsExposition {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Makes sure the metrics system is bootstrapped before any service counts.
    static func bootstrap() {
        _ = registry
    }

    /// The text exposition of every metric.
    static func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    /// Prometheus's text format, version 0.0.4.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
