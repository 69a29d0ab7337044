import Metrics

/// SNS's delivery counts per subscription, as swift-metrics counters (served by
/// `GET /_rampart/metrics`), after CloudWatch's `NumberOfNotificationsDelivered` and
/// `NumberOfNotificationsFailed` (a failure is a delivery given up: retries exhausted or refused).
enum DeliveryMetrics {
    static func delivered(_ subscriptionArn: String) {
        Counter(label: "rampart_sns_notifications_delivered_total", dimensions: [("subscription", subscriptionArn)])
            .increment()
    }

    static func failed(_ subscriptionArn: String) {
        Counter(label: "rampart_sns_notifications_failed_total", dimensions: [("subscription", subscriptionArn)])
            .increment()
    }
}
