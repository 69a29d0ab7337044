import AWSProtocol

/// CloudWatch Logs' rules, pure: retention periods, PutLogEvents' batch limits, page tokens.
enum LogRules {
    /// The retention periods AWS accepts, in days.
    static let retentionDays: [Int] = [
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
    ]

    static func checkRetention(_ days: Int) throws(AWSError) {
        guard retentionDays.contains(days) else {
            throw .logsInvalidParameter(
                "1 validation error detected: Value '\(days)' at 'retentionInDays' failed to satisfy constraint: Member must "
                    + "satisfy enum value set: [\(retentionDays.map(String.init).joined(separator: ", "))]")
        }
    }

    /// A batch's size as AWS counts it: each message's UTF-8 bytes plus 26.
    static let maxBatchBytes = 1_048_576
    /// The largest PutLogEvents body taken: a full batch with its JSON (ten thousand events'
    /// members, and messages whose characters JSON escapes), before the batch rules judge it.
    static let maxRequestBytes = 8 << 20
    static let eventOverhead = 26
    static let maxEventBytes = 1_048_576 - 26
    static let day: Int64 = 86_400_000
    /// Events further ahead than two hours, or older than fourteen days, are refused one by one.
    static let maxFuture: Int64 = 2 * 3_600_000
    static let maxAge: Int64 = 14 * day

    /// What PutLogEvents keeps of a batch, and how it tells the caller what it refused (indexes
    /// into the batch, as AWS's `rejectedLogEventsInfo`).
    struct Acceptance: Equatable {
        var accepted: [(timestamp: Int64, message: String)]
        var tooNewStart: Int?
        var tooOldEnd: Int?
        var expiredEnd: Int?

        static func == (a: Acceptance, b: Acceptance) -> Bool {
            a.accepted.map(\.timestamp) == b.accepted.map(\.timestamp) && a.accepted.map(\.message) == b.accepted.map(\.message)
                && a.tooNewStart == b.tooNewStart && a.tooOldEnd == b.tooOldEnd && a.expiredEnd == b.expiredEnd
        }
    }

    /// Checks a batch against AWS's constraints: chronological order, at most 24 hours between
    /// its first and last event, the size limits; then sorts out the events too new, too old, or
    /// older than the group's retention.
    static func accept(
        _ events: [(timestamp: Int64, message: String)], now: Int64, retentionDays: Int?
    ) throws(AWSError)
        -> Acceptance
    {
        var total = 0
        for event in events {
            let size = event.message.utf8.count
            guard size <= maxEventBytes else {
                throw .logsInvalidParameter("Log event too large: \(size) bytes exceeds limit of \(maxEventBytes)")
            }
            total += size + eventOverhead
        }
        guard total <= maxBatchBytes else {
            throw .logsInvalidParameter("Upload too large: \(total) bytes exceeds limit of \(maxBatchBytes)")
        }
        for (a, b) in zip(events, events.dropFirst()) where b.timestamp < a.timestamp {
            throw .logsInvalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
        }
        if let first = events.first, let last = events.last, last.timestamp - first.timestamp > day {
            throw .logsInvalidParameter(
                "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
        }
        var result = Acceptance(accepted: [])
        let retentionCutoff = retentionDays.map { now - Int64($0) * day }
        for (i, event) in events.enumerated() {
            if event.timestamp > now + maxFuture {
                if result.tooNewStart == nil { result.tooNewStart = i }
            } else if event.timestamp < now - maxAge {
                result.tooOldEnd = i + 1
            } else if let retentionCutoff, event.timestamp < retentionCutoff {
                result.expiredEnd = i + 1
            } else {
                result.accepted.append(event)
            }
        }
        return result
    }

    // MARK: Tokens

    /// GetLogEvents' tokens: `f/` (forward) or `b/` (backward) and forty digits, the event a
    /// page ended on (its timestamp, then its sequence in the stream).
    static func token(_ forward: Bool, _ position: LogStore.Position) -> String {
        (forward ? "f/" : "b/") + pad(position.timestamp + offset) + pad(position.sequence)
    }

    static func parseToken(_ text: String) -> (forward: Bool, position: LogStore.Position)? {
        guard text.utf8.count == 42, text.hasPrefix("f/") || text.hasPrefix("b/") else { return nil }
        let body = text.dropFirst(2)
        guard body.allSatisfy(\.isASCII), let shifted = Int64(body.prefix(20)), let sequence = Int64(body.suffix(20)) else {
            return nil
        }
        return (text.hasPrefix("f/"), LogStore.Position(timestamp: shifted - offset, stream: "", sequence: sequence))
    }

    /// Timestamps may be negative (before 1970): shifted so the digits stay positive.
    private static let offset: Int64 = 1_000_000_000_000_000

    private static func pad(_ value: Int64) -> String {
        let text = String(max(0, value))
        return String(repeating: "0", count: max(0, 20 - text.count)) + text
    }
}
