import Policy
import Testing

@Suite("IP address ranges")
struct IPAddressRangeTests {
    static let contains: [(String, String, Bool)] = [
        ("192.0.2.0/24", "192.0.2.255", true),
        ("192.0.2.0/24", "192.0.3.0", false),
        ("192.0.2.128/25", "192.0.2.127", false),
        ("192.0.2.128/25", "192.0.2.200", true),
        ("192.0.2.5/24", "192.0.2.99", true),
        ("192.0.2.1", "192.0.2.1", true),
        ("192.0.2.1/32", "192.0.2.2", false),
        ("0.0.0.0/0", "255.255.255.255", true),
        ("10.0.0.0/7", "11.255.0.1", true),
        ("10.0.0.0/7", "12.0.0.1", false),
        ("::/0", "2001:db8::1", true),
        ("::1", "::1", true),
        ("::1/128", "::2", false),
        ("2001:db8::/48", "2001:db8:0:ffff::1", true),
        ("2001:db8::/48", "2001:db8:1::1", false),
        ("2001:db8:abcd:12::/63", "2001:db8:abcd:13::1", true),
        ("2001:DB8::/32", "2001:db8::1", true),
        ("fe80::/10", "febf::1", true),
        ("fe80::/10", "fec0::1", false),
        ("::ffff:192.0.2.0/120", "192.0.2.9", true),
        ("192.0.2.0/24", "::ffff:192.0.2.9", true),
        ("192.0.2.0/24", "2001:db8::1", false),
        ("2001:db8::/32", "192.0.2.1", false),
    ]

    @Test(arguments: contains)
    func containment(_ range: String, _ address: String, _ expected: Bool) throws {
        let parsed = try #require(IPAddressRange(range))
        #expect(parsed.contains(address) == expected)
    }

    static let invalid: [String] = [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.04444",
        "a.b.c.d", "1:2:3:4:5:6:7:8:9", "1::2::3", "2001:db8::/129", "12345::", "::g", "1.2.3.4/8/8", ":::",
    ]

    @Test(arguments: invalid)
    func rejects(_ text: String) {
        #expect(IPAddressRange(text) == nil)
    }

    static let parses: [(String, String)] = [
        ("1.2.3.4", "1.2.3.4/32"),
        ("::", "0:0:0:0:0:0:0:0/128"),
        ("2001:db8::1/64", "2001:db8:0:0:0:0:0:1/64"),
        ("::ffff:1.2.3.4", "0:0:0:0:0:ffff:102:304/128"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8/128"),
    ]

    @Test(arguments: parses)
    func parse(_ text: String, _ rendered: String) throws {
        #expect(try #require(IPAddressRange(text)).description == rendered)
    }
}
