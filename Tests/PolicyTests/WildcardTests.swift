import Policy
import Testing

struct WildcardCase: Sendable, CustomTestStringConvertible {
    let pattern: String
    let value: String
    let caseInsensitive: Bool
    let expected: Bool
    init(_ pattern: String, _ value: String, ci: Bool = false, _ expected: Bool) {
        self.pattern = pattern
        self.value = value
        self.caseInsensitive = ci
        self.expected = expected
    }
    var testDescription: String { "\(pattern) ~ \(value)\(caseInsensitive ? " (ci)" : "") → \(expected)" }
}

@Suite("Wildcard matching")
struct WildcardTests {
    static let cases: [WildcardCase] = [
        .init("*", "", true),
        .init("*", "anything", true),
        .init("", "", true),
        .init("", "a", false),
        .init("a", "a", true),
        .init("a", "A", false),
        .init("a", "A", ci: true, true),
        .init("?", "", false),
        .init("?", "x", true),
        .init("??", "x", false),
        .init("a*", "a", true),
        .init("a*", "abc", true),
        .init("*c", "abc", true),
        .init("*c", "abd", false),
        .init("a*c", "ac", true),
        .init("a*c", "abcbc", true),
        .init("a*c", "abcb", false),
        .init("a*b*c*d", "axxbyycd", true),
        .init("a*b*c*d", "axxbyyd", false),
        .init("**", "x", true),
        .init("*?", "", false),
        .init("*?*", "x", true),
        .init("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/abc", true),
        .init("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:444455556666:key/abc", false),
        .init("ünï*", "ünïcode", true),
        .init(String(repeating: "a*", count: 30) + "b", String(repeating: "a", count: 200), false),
    ]

    @Test(arguments: cases)
    func match(_ c: WildcardCase) {
        #expect(Wildcard.matches(c.pattern, c.value, caseInsensitive: c.caseInsensitive) == c.expected)
    }

    static let actionCases: [(String, String, Bool)] = [
        ("kms:Encrypt", "kms:Encrypt", true),
        ("kms:encrypt", "kms:Encrypt", true),
        ("KMS:ENCRYPT", "kms:Encrypt", true),
        ("kms:Re*", "kms:ReEncryptFrom", true),
        ("kms:re*", "kms:ReEncryptTo", true),
        ("kms:*", "kms:Decrypt", true),
        ("kms:*", "iam:GetUser", false),
        ("*", "iam:GetUser", true),
        ("kms:Describe?ey", "kms:DescribeKey", true),
        ("kms:Encrypt", "kms:EncryptX", false),
        ("kms:Generate*", "kms:GenerateDataKeyWithoutPlaintext", true),
        ("kms:*Key", "kms:CreateKey", true),
        ("kms:*Key", "kms:CreateKeys", false),
    ]

    @Test(arguments: actionCases)
    func action(_ pattern: String, _ action: String, _ expected: Bool) {
        #expect(Wildcard.matchesAction(pattern, action) == expected)
    }
}
