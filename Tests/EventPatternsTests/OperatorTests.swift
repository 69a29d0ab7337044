import AWSProtocol
import EventPatterns
import Testing

/// Every operator of EventBridge's pattern language, each with events that must and must not
/// match. The semantics follow AWS's "Content filtering in Amazon EventBridge event patterns"
/// and aws/event-ruler's README.
@Suite struct OperatorTests {
    static let exactCases: [MatchCase] = [
        .init(#"{"a": ["x"]}"#, #"{"a": "x"}"#, true),
        .init(#"{"a": ["x"]}"#, #"{"a": "X"}"#, false),
        .init(#"{"a": ["x"]}"#, #"{"b": "x"}"#, false),
        .init(#"{"a": ["x", "y"]}"#, #"{"a": "y"}"#, true),
        .init(#"{"a": [300]}"#, #"{"a": 3.0e2}"#, true),
        .init(#"{"a": [3.0e2]}"#, #"{"a": 300}"#, true),
        .init(#"{"a": [300]}"#, #"{"a": 300.5}"#, false),
        .init(#"{"a": [300]}"#, #"{"a": "300"}"#, false),
        .init(#"{"a": ["300"]}"#, #"{"a": 300}"#, false),
        .init(#"{"a": [true]}"#, #"{"a": true}"#, true),
        .init(#"{"a": [true]}"#, #"{"a": "true"}"#, false),
        .init(#"{"a": [null]}"#, #"{"a": null}"#, true),
        .init(#"{"a": [null]}"#, #"{}"#, false),
        .init(#"{"a": [""]}"#, #"{"a": ""}"#, true),
        .init(#"{"a": [""]}"#, #"{"a": null}"#, false),
        // An array in the event: any element.
        .init(#"{"a": ["x"]}"#, #"{"a": ["w", "x"]}"#, true),
        .init(#"{"a": ["x"]}"#, #"{"a": ["w", ["x"]]}"#, true),
        .init(#"{"a": ["x"]}"#, #"{"a": []}"#, false),
        // Nested objects, and objects inside arrays.
        .init(#"{"d": {"e": ["x"]}}"#, #"{"d": {"e": "x"}}"#, true),
        .init(#"{"d": {"e": ["x"]}}"#, #"{"d": "x"}"#, false),
        .init(#"{"d": {"e": ["x"]}}"#, #"{"d": [{"e": "y"}, {"e": "x"}]}"#, true),
        // Fields under one pattern object must come from the same array element.
        .init(#"{"d": {"e": ["x"], "f": ["2"]}}"#, #"{"d": [{"e": "x", "f": "1"}, {"e": "y", "f": "2"}]}"#, false),
        .init(#"{"d": {"e": ["x"], "f": ["2"]}}"#, #"{"d": [{"e": "x", "f": "1"}, {"e": "x", "f": "2"}]}"#, true),
        // A value that is an object is not a leaf.
        .init(#"{"a": ["x"]}"#, #"{"a": {"x": 1}}"#, false),
        .init(#"{"a": ["x"], "b": [1]}"#, #"{"a": "x", "b": 1}"#, true),
        .init(#"{"a": ["x"], "b": [1]}"#, #"{"a": "x", "b": 2}"#, false),
        .init(#"{"a": [{"exact": "x"}]}"#, #"{"a": "x"}"#, true),
    ]

    static let stringsCases: [MatchCase] = [
        .init(#"{"a": [{"prefix": "ab"}]}"#, #"{"a": "abc"}"#, true),
        .init(#"{"a": [{"prefix": "ab"}]}"#, #"{"a": "ab"}"#, true),
        .init(#"{"a": [{"prefix": "ab"}]}"#, #"{"a": "Abc"}"#, false),
        .init(#"{"a": [{"prefix": "1"}]}"#, #"{"a": 10}"#, false),
        .init(#"{"a": [{"prefix": ""}]}"#, #"{"a": "anything"}"#, true),
        .init(#"{"a": [{"suffix": ".png"}]}"#, #"{"a": "cat.png"}"#, true),
        .init(#"{"a": [{"suffix": ".png"}]}"#, #"{"a": "cat.PNG"}"#, false),
        .init(#"{"a": [{"suffix": ".png"}]}"#, #"{"a": "png"}"#, false),
        .init(#"{"a": [{"equals-ignore-case": "AlIcE"}]}"#, #"{"a": "alice"}"#, true),
        .init(#"{"a": [{"equals-ignore-case": "alice"}]}"#, #"{"a": "alicia"}"#, false),
        .init(#"{"a": [{"prefix": {"equals-ignore-case": "EU-"}}]}"#, #"{"a": "eu-west-1"}"#, true),
        .init(#"{"a": [{"prefix": {"equals-ignore-case": "EU-"}}]}"#, #"{"a": "us-east-1"}"#, false),
        .init(#"{"a": [{"suffix": {"equals-ignore-case": ".PNG"}}]}"#, #"{"a": "cat.png"}"#, true),
        .init(#"{"a": [{"suffix": {"equals-ignore-case": ".PNG"}}]}"#, #"{"a": "cat.jpg"}"#, false),
    ]

    static let wildcardsCases: [MatchCase] = [
        .init(#"{"a": [{"wildcard": "dir/*.png"}]}"#, #"{"a": "dir/cat.png"}"#, true),
        .init(#"{"a": [{"wildcard": "dir/*.png"}]}"#, #"{"a": "dir/.png"}"#, true),
        .init(#"{"a": [{"wildcard": "dir/*.png"}]}"#, #"{"a": "dir/cat.jpg"}"#, false),
        .init(#"{"a": [{"wildcard": "*"}]}"#, #"{"a": ""}"#, true),
        .init(#"{"a": [{"wildcard": "*"}]}"#, #"{"a": 5}"#, false),
        .init(#"{"a": [{"wildcard": "a*b*c"}]}"#, #"{"a": "abc"}"#, true),
        .init(#"{"a": [{"wildcard": "a*b*c"}]}"#, #"{"a": "axxbyyc"}"#, true),
        .init(#"{"a": [{"wildcard": "a*b*c"}]}"#, #"{"a": "acb"}"#, false),
        .init(#"{"a": [{"wildcard": "ab*ba"}]}"#, #"{"a": "aba"}"#, false),
        .init(#"{"a": [{"wildcard": "ab*ba"}]}"#, #"{"a": "abba"}"#, true),
        .init(#"{"a": [{"wildcard": "*.png"}]}"#, #"{"a": "x.png.jpg"}"#, false),
        .init(#"{"a": [{"wildcard": "x*"}]}"#, #"{"a": "xyz"}"#, true),
        .init(#"{"a": [{"wildcard": "exact"}]}"#, #"{"a": "exact"}"#, true),
        .init(#"{"a": [{"wildcard": "exact"}]}"#, #"{"a": "exactly"}"#, false),
        // An escaped star is a star; an escaped backslash a backslash.
        .init(#"{"a": [{"wildcard": "a\\*b"}]}"#, #"{"a": "a*b"}"#, true),
        .init(#"{"a": [{"wildcard": "a\\*b"}]}"#, #"{"a": "axb"}"#, false),
        .init(#"{"a": [{"wildcard": "a\\\\*"}]}"#, #"{"a": "a\\zz"}"#, true),
    ]

    static let anythingButCases: [MatchCase] = [
        .init(#"{"a": [{"anything-but": "x"}]}"#, #"{"a": "y"}"#, true),
        .init(#"{"a": [{"anything-but": "x"}]}"#, #"{"a": "x"}"#, false),
        // A missing field matches no anything-but.
        .init(#"{"a": [{"anything-but": "x"}]}"#, #"{}"#, false),
        .init(#"{"a": [{"anything-but": ["x", "y"]}]}"#, #"{"a": "y"}"#, false),
        .init(#"{"a": [{"anything-but": ["x", "y"]}]}"#, #"{"a": "z"}"#, true),
        .init(#"{"a": [{"anything-but": [1, 2]}]}"#, #"{"a": 2.0}"#, false),
        .init(#"{"a": [{"anything-but": [1, 2]}]}"#, #"{"a": 3}"#, true),
        .init(#"{"a": [{"anything-but": 5}]}"#, #"{"a": 5}"#, false),
        // Arrays: any element that is not excluded.
        .init(#"{"a": [{"anything-but": ["x"]}]}"#, #"{"a": ["x", "z"]}"#, true),
        .init(#"{"a": [{"anything-but": ["x"]}]}"#, #"{"a": ["x"]}"#, false),
        .init(#"{"a": [{"anything-but": {"prefix": "ab"}}]}"#, #"{"a": "abc"}"#, false),
        .init(#"{"a": [{"anything-but": {"prefix": "ab"}}]}"#, #"{"a": "xbc"}"#, true),
        .init(#"{"a": [{"anything-but": {"prefix": ["ab", "cd"]}}]}"#, #"{"a": "cde"}"#, false),
        .init(#"{"a": [{"anything-but": {"suffix": ".png"}}]}"#, #"{"a": "x.png"}"#, false),
        .init(#"{"a": [{"anything-but": {"suffix": ".png"}}]}"#, #"{"a": "x.jpg"}"#, true),
        .init(#"{"a": [{"anything-but": {"wildcard": "*/lib/*"}}]}"#, #"{"a": "/usr/lib/x"}"#, false),
        .init(#"{"a": [{"anything-but": {"wildcard": "*/lib/*"}}]}"#, #"{"a": "/usr/bin/x"}"#, true),
        .init(#"{"a": [{"anything-but": {"equals-ignore-case": "Alice"}}]}"#, #"{"a": "ALICE"}"#, false),
        .init(#"{"a": [{"anything-but": {"equals-ignore-case": ["Alice", "bob"]}}]}"#, #"{"a": "BOB"}"#, false),
        .init(#"{"a": [{"anything-but": {"equals-ignore-case": ["Alice", "bob"]}}]}"#, #"{"a": "carol"}"#, true),
    ]

    static let numericCases: [MatchCase] = [
        .init(#"{"n": [{"numeric": ["=", 300]}]}"#, #"{"n": 3.0e2}"#, true),
        .init(#"{"n": [{"numeric": ["=", 300]}]}"#, #"{"n": 301}"#, false),
        .init(#"{"n": [{"numeric": ["<", 10]}]}"#, #"{"n": 9.999}"#, true),
        .init(#"{"n": [{"numeric": ["<", 10]}]}"#, #"{"n": 10}"#, false),
        .init(#"{"n": [{"numeric": ["<=", 10]}]}"#, #"{"n": 10}"#, true),
        .init(#"{"n": [{"numeric": [">", 0]}]}"#, #"{"n": 0}"#, false),
        .init(#"{"n": [{"numeric": [">=", 0]}]}"#, #"{"n": 0}"#, true),
        .init(#"{"n": [{"numeric": [">", 0, "<=", 5]}]}"#, #"{"n": 5}"#, true),
        .init(#"{"n": [{"numeric": [">", 0, "<=", 5]}]}"#, #"{"n": 0}"#, false),
        .init(#"{"n": [{"numeric": [">=", 0, "<", 5]}]}"#, #"{"n": 5}"#, false),
        .init(#"{"n": [{"numeric": [">=", -5, "<", 5]}]}"#, #"{"n": -5}"#, true),
        // Numeric operators look at numbers only.
        .init(#"{"n": [{"numeric": [">", 0]}]}"#, #"{"n": "5"}"#, false),
        .init(#"{"n": [{"numeric": [">", 0]}]}"#, #"{"n": [-1, 7]}"#, true),
        .init(#"{"n": [{"numeric": [">", 0]}]}"#, #"{}"#, false),
    ]

    static let cidrCases: [MatchCase] = [
        .init(#"{"ip": [{"cidr": "10.0.0.0/24"}]}"#, #"{"ip": "10.0.0.255"}"#, true),
        .init(#"{"ip": [{"cidr": "10.0.0.0/24"}]}"#, #"{"ip": "10.0.1.0"}"#, false),
        .init(#"{"ip": [{"cidr": "10.0.0.0/8"}]}"#, #"{"ip": "10.200.3.4"}"#, true),
        .init(#"{"ip": [{"cidr": "0.0.0.0/0"}]}"#, #"{"ip": "192.168.1.1"}"#, true),
        .init(#"{"ip": [{"cidr": "10.0.0.0/24"}]}"#, #"{"ip": "not an ip"}"#, false),
        .init(#"{"ip": [{"cidr": "10.0.0.0/24"}]}"#, #"{"ip": "::ffff:10.0.0.1"}"#, false),
        .init(#"{"ip": [{"cidr": "2001:db8::/32"}]}"#, #"{"ip": "2001:db8:1234::1"}"#, true),
        .init(#"{"ip": [{"cidr": "2001:db8::/32"}]}"#, #"{"ip": "2001:db9::1"}"#, false),
        .init(#"{"ip": [{"cidr": "2001:db8::/32"}]}"#, #"{"ip": "10.0.0.1"}"#, false),
        .init(#"{"ip": [{"cidr": "::/0"}]}"#, #"{"ip": "0:0:0:0:0:0:0:1"}"#, true),
        .init(#"{"ip": [{"cidr": "fe80::/10"}]}"#, #"{"ip": "FEBF::1"}"#, true),
        .init(#"{"ip": [{"cidr": "fe80::/10"}]}"#, #"{"ip": "fec0::1"}"#, false),
    ]

    static let existsCases: [MatchCase] = [
        .init(#"{"a": [{"exists": true}]}"#, #"{"a": "x"}"#, true),
        .init(#"{"a": [{"exists": true}]}"#, #"{"a": null}"#, true),
        .init(#"{"a": [{"exists": true}]}"#, #"{}"#, false),
        .init(#"{"a": [{"exists": false}]}"#, #"{}"#, true),
        .init(#"{"a": [{"exists": false}]}"#, #"{"a": ""}"#, false),
        // Exists looks at leaves only: an object or an empty array is no value.
        .init(#"{"a": [{"exists": true}]}"#, #"{"a": {"b": 1}}"#, false),
        .init(#"{"a": [{"exists": false}]}"#, #"{"a": {"b": 1}}"#, true),
        .init(#"{"a": [{"exists": true}]}"#, #"{"a": []}"#, false),
        .init(#"{"a": [{"exists": true}]}"#, #"{"a": [1]}"#, true),
        .init(#"{"d": {"a": [{"exists": false}]}}"#, #"{}"#, true),
        .init(#"{"d": {"a": [{"exists": false}]}}"#, #"{"d": "scalar"}"#, true),
        .init(#"{"d": {"a": [{"exists": false}]}}"#, #"{"d": {"a": 1}}"#, false),
        .init(#"{"a": [{"exists": false}, "x"]}"#, #"{"a": "x"}"#, true),
        .init(#"{"a": [{"exists": false}, "x"]}"#, #"{"a": "y"}"#, false),
    ]

    static let orCases: [MatchCase] = [
        .init(#"{"$or": [{"a": ["x"]}, {"b": ["y"]}]}"#, #"{"b": "y"}"#, true),
        .init(#"{"$or": [{"a": ["x"]}, {"b": ["y"]}]}"#, #"{"a": "y", "b": "x"}"#, false),
        .init(#"{"s": ["k"], "$or": [{"a": ["x"]}, {"b": ["y"]}]}"#, #"{"s": "z", "a": "x"}"#, false),
        .init(#"{"s": ["k"], "$or": [{"a": ["x"]}, {"b": ["y"]}]}"#, #"{"s": "k", "a": "x"}"#, true),
        .init(
            #"{"d": {"$or": [{"n": [{"numeric": [">", 5]}]}, {"m": [{"prefix": "a"}], "$or": [{"p": [1]}, {"q": [2]}]}]}}"#,
            #"{"d": {"m": "ab", "q": 2}}"#, true),
        .init(
            #"{"d": {"$or": [{"n": [{"numeric": [">", 5]}]}, {"m": [{"prefix": "a"}], "$or": [{"p": [1]}, {"q": [2]}]}]}}"#,
            #"{"d": {"m": "ab", "q": 3}}"#, false),
    ]

    static func check(_ row: MatchCase) throws {
        let pattern = try EventPattern(json: row.pattern)
        #expect(pattern.matches(json(row.event)) == row.matches)
        // The same pattern given as a parsed value compiles to the same matcher.
        #expect(try EventPattern(json(row.pattern)).matches(json(row.event)) == row.matches)
    }

    @Test(arguments: exactCases) func exactValues(_ row: MatchCase) throws { try Self.check(row) }
    @Test(arguments: stringsCases) func prefixSuffixAndCase(_ row: MatchCase) throws { try Self.check(row) }
    @Test(arguments: wildcardsCases) func wildcard(_ row: MatchCase) throws { try Self.check(row) }
    @Test(arguments: anythingButCases) func anythingBut(_ row: MatchCase) throws { try Self.check(row) }
    @Test(arguments: numericCases) func numeric(_ row: MatchCase) throws { try Self.check(row) }
    @Test(arguments: cidrCases) func cidr(_ row: MatchCase) throws { try Self.check(row) }
    @Test(arguments: existsCases) func exists(_ row: MatchCase) throws { try Self.check(row) }
    @Test(arguments: orCases) func or(_ row: MatchCase) throws { try Self.check(row) }

    @Test func fieldPathsIncludeOrBranches() throws {
        let pattern = try EventPattern(json: #"{"source": ["s"], "$or": [{"detail": {"a": [1]}}, {"b": [2]}]}"#)
        #expect(Set(pattern.fieldPaths) == [["source"], ["detail", "a"], ["b"]])
    }
}
