import AWSProtocol
import EventPatterns

/// Rules and an event shaped like EventBridge traffic, for the RuleIndex benchmarks: most rules
/// name a source (1,000 of them), a detail-type and a state; some add a numeric or `$or`
/// condition; 2% test only a prefix, which no exact value indexes.
enum EventPatternWorkload {
    static func rules(_ count: Int) -> [EventPattern] {
        let states = ["pending", "running", "stopping", "stopped"]
        return (0..<count).map { i in
            let text: String
            switch i % 50 {
            case 0:
                text = #"{"detail": {"name": [{"prefix": "job-\#(i % 40)-"}]}}"#
            case 1...5:
                text =
                    #"{"detail-type": ["Type \#(i % 7)"], "$or": [{"detail": {"user": ["u\#(i)"]}}, {"source": ["svc.\#(i % 1000)"]}]}"#
            case 6...13:
                text = #"{"source": ["svc.\#(i % 1000)"], "detail": {"amount": [{"numeric": [">", \#(i % 100)]}]}}"#
            default:
                text =
                    #"{"source": ["svc.\#(i % 1000)"], "detail-type": ["Type \#(i % 7)"], "detail": {"state": ["\#(states[i % 4])"]}}"#
            }
            do {
                return try EventPattern(json: text)
            } catch {
                fatalError("benchmark rule \(text): \(error)")
            }
        }
    }

    static let event: JSONValue = [
        "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "source": "svc.42", "account": "111122223333",
        "detail-type": "Type 0", "time": "2026-12-07T09:30:00Z", "region": "us-east-1",
        "resources": ["arn:aws:ec2:us-east-1:111122223333:instance/i-1234567890abcdef0"],
        "detail": ["state": "stopping", "amount": 50, "user": "u105", "name": "job-10-nightly"],
    ]

    static func index(_ rules: [EventPattern]) -> RuleIndex<Int> {
        var index = RuleIndex<Int>()
        for (i, rule) in rules.enumerated() { index.insert(rule, for: i) }
        return index
    }
}
