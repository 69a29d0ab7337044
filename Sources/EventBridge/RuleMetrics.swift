import Metrics

/// EventBridge's CloudWatch metrics per rule, as swift-metrics counters (served by
/// `GET /_rampart/metrics`): `MatchedEvents`, `Invocations`, `FailedInvocations` and
/// `InvocationsSentToDlq`.
enum RuleMetrics {
    static func matched(_ ruleArn: String) { count("rampart_eventbridge_matched_events_total", ruleArn) }
    static func invoked(_ ruleArn: String) { count("rampart_eventbridge_invocations_total", ruleArn) }
    static func failed(_ ruleArn: String) { count("rampart_eventbridge_failed_invocations_total", ruleArn) }
    static func sentToDeadLetterQueue(_ ruleArn: String) {
        count("rampart_eventbridge_invocations_sent_to_dlq_total", ruleArn)
    }

    private static func count(_ label: String, _ ruleArn: String) {
        Counter(label: label, dimensions: [("rule", ruleArn)]).increment()
    }
}
