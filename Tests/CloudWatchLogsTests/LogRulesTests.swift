import AWSProtocol
import Testing

@testable import CloudWatchLogs

@Suite("CloudWatch Logs' batch rules and tokens")
struct LogRulesTests {
    let now: Int64 = 1_800_000_000_000

    @Test func retentionTakesOnlyAWSsPeriods() throws {
        try LogRules.checkRetention(7)
        try LogRules.checkRetention(3653)
        #expect(throws: AWSError.self) { try LogRules.checkRetention(2) }
        #expect(throws: AWSError.self) { try LogRules.checkRetention(0) }
    }

    @Test func aBatchMustBeChronologicalWithinADayAndSmall() throws {
        #expect(throws: AWSError.self) { try LogRules.accept([(now, "b"), (now - 1, "a")], now: now, retentionDays: nil) }
        #expect(throws: AWSError.self) {
            try LogRules.accept([(now - LogRules.day - 1, "a"), (now, "b")], now: now, retentionDays: nil)
        }
        let big = String(repeating: "x", count: 600_000)
        #expect(throws: AWSError.self) { try LogRules.accept([(now, big), (now, big)], now: now, retentionDays: nil) }
        let ok = try LogRules.accept([(now - 5, "a"), (now - 5, "b"), (now, "c")], now: now, retentionDays: nil)
        #expect(ok.accepted.map(\.message) == ["a", "b", "c"])
        #expect(ok.tooNewStart == nil && ok.tooOldEnd == nil && ok.expiredEnd == nil)
    }

    @Test func eventsOutsideTheWindowAreReportedByIndex() throws {
        // Too old events come first in a chronological batch and too new ones last; a batch spans
        // a day at most, so each case is tried on its own.
        let mixed = try LogRules.accept(
            [(now - 14 * LogRules.day - 5, "old"), (now - 13 * LogRules.day - 23 * 3_600_000, "kept")], now: now,
            retentionDays: nil)
        #expect(mixed.tooOldEnd == 1)
        #expect(mixed.accepted.map(\.message) == ["kept"])
        let future = try LogRules.accept([(now, "kept"), (now + 3 * 3_600_000, "new")], now: now, retentionDays: nil)
        #expect(future.tooNewStart == 1)
        #expect(future.accepted.map(\.message) == ["kept"])
        let expired = try LogRules.accept([(now - LogRules.day - 5, "gone"), (now - 10, "kept")], now: now, retentionDays: 1)
        #expect(expired.expiredEnd == 1)
        #expect(expired.accepted.map(\.message) == ["kept"])
    }

    @Test func tokensRoundTrip() {
        for position in [
            LogStore.Position(timestamp: now, stream: "", sequence: 42),
            LogStore.Position(timestamp: -5_000, stream: "", sequence: 1),
            LogStore.Position(timestamp: 0, stream: "", sequence: 0),
        ] {
            for forward in [true, false] {
                let token = LogRules.token(forward, position)
                #expect(token.count == 42)
                let parsed = LogRules.parseToken(token)
                #expect(parsed?.forward == forward)
                #expect(parsed?.position == position)
            }
        }
        #expect(LogRules.parseToken("f/123") == nil)
        #expect(LogRules.parseToken("x/" + String(repeating: "0", count: 40)) == nil)
        #expect(LogRules.parseToken("f/" + String(repeating: "a", count: 40)) == nil)
    }
}
