import Testing

@testable import Policy

/// `aws:CurrentTime` and `aws:EpochTime` are written from the request's `currentTime` only when
/// a condition reads them.
@Suite struct CurrentTimeTests {
    @Test(arguments: [
        (0, "1970-01-01T00:00:00Z"), (951_782_400, "2000-02-29T00:00:00Z"), (1_796_601_599, "2026-12-06T23:59:59Z"),
        (-1, "1969-12-31T23:59:59Z"), (4_102_444_800, "2100-01-01T00:00:00Z"),
    ])
    func iso8601(seconds: Int, text: String) {
        #expect(PolicyDate.iso8601(epochSeconds: seconds) == text)
    }

    func allowed(_ op: String, _ key: String, _ value: String, at time: Int?, keys: [String: [String]] = [:]) throws -> Bool {
        let policy = try Fixture.identity(Fixture.conditionPolicy(op, key: key, valuesJSON: "\"\(value)\""))
        var context = Fixture.context(keys: keys)
        context.currentTime = time
        return policy.evaluate(context).decision == .allow
    }

    @Test func conditionsReadTheRequestTime() throws {
        let now = 1_796_601_599  // 2026-12-06T23:59:59Z
        #expect(try allowed("DateGreaterThan", "aws:CurrentTime", "2026-12-06T00:00:00Z", at: now))
        #expect(try !allowed("DateGreaterThan", "aws:CurrentTime", "2026-12-07T00:00:00Z", at: now))
        #expect(try allowed("DateLessThan", "aws:currenttime", "2026-12-07T00:00:00Z", at: now))
        #expect(try allowed("NumericEquals", "aws:EpochTime", String(now), at: now))
        #expect(try !allowed("NumericGreaterThan", "aws:EpochTime", String(now), at: now))
        // Without a time the keys are absent; a value the caller's context names wins.
        #expect(try !allowed("DateGreaterThan", "aws:CurrentTime", "2000-01-01T00:00:00Z", at: nil))
        #expect(
            try !allowed(
                "DateGreaterThan", "aws:CurrentTime", "2026-12-06T00:00:00Z", at: now,
                keys: ["aws:CurrentTime": ["2001-01-01T00:00:00Z"]]))
    }

    @Test func conditionKeysAreCaseInsensitiveAndMerged() {
        let context = Fixture.context(keys: ["kms:EncryptionContext:Team": ["a"], "kms:encryptioncontext:team": ["b"]])
        let env = EvaluationEnvironment(context)
        #expect(Set(env.values(forKey: "KMS:EncryptionContext:TEAM") ?? []) == ["a", "b"])
        #expect(env.values(forKey: "aws:PrincipalArn") == [Fixture.alice])
        #expect(env.values(forKey: "aws:PrincipalAccount") == [Fixture.account])
        #expect(env.isIdentifier(Fixture.alice) && !env.isIdentifier(Fixture.bob))
    }
}
