import AWSProtocol
import EventPatterns
import Testing

/// The index must answer exactly what running every pattern answers.
@Suite struct RuleIndexTests {
    /// A small random source with a printed seed, so a failure can be replayed.
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
    }

    static let fields = ["source", "detail-type", "region"]
    static let detailFields = ["state", "name", "count"]
    static let strings = ["a", "b", "c", "ab", "abc", "B", "10.0.0.1", ""]
    static let numbers = ["1", "2", "3.0e0", "-1", "2.5"]

    static func scalar(_ r: inout SplitMix) -> String {
        switch r.int(6) {
        case 0: return r.pick(numbers)
        case 1: return r.pick(["true", "false", "null"])
        default: return "\"\(r.pick(strings))\""
        }
    }

    static func matcher(_ r: inout SplitMix) -> String {
        switch r.int(14) {
        case 0: return #"{"prefix": "\#(r.pick(strings))"}"#
        case 1: return #"{"suffix": "\#(r.pick(strings))"}"#
        case 2: return #"{"equals-ignore-case": "\#(r.pick(strings))"}"#
        case 3: return #"{"anything-but": "\#(r.pick(strings))"}"#
        case 4: return #"{"numeric": [">", \#(r.int(3))]}"#
        case 5: return #"{"exists": \#(r.int(2) == 0)}"#
        case 6: return #"{"wildcard": "*\#(r.pick(["b", "c", ""]))"}"#
        case 7: return #"{"cidr": "10.0.0.0/24"}"#
        default: return scalar(&r)
        }
    }

    /// Half the leaves hold exact values only (what the index files patterns under).
    static func leaf(_ r: inout SplitMix) -> String {
        let exactOnly = r.int(2) == 0
        return "[" + (0..<(1 + r.int(3))).map { _ in exactOnly ? scalar(&r) : matcher(&r) }.joined(separator: ", ") + "]"
    }

    static func object(_ r: inout SplitMix, depth: Int) -> String {
        var members: [String] = []
        for name in fields where r.int(3) == 0 { members.append("\"\(name)\": \(leaf(&r))") }
        if r.int(2) == 0 {
            let inner = detailFields.filter { _ in r.int(2) == 0 }.map { "\"\($0)\": \(leaf(&r))" }
            if !inner.isEmpty { members.append("\"detail\": {" + inner.joined(separator: ", ") + "}") }
        }
        if depth == 0, r.int(4) == 0 {
            let branches = (0..<2).map { _ in object(&r, depth: 1) }.filter { $0 != "{}" }
            if branches.count == 2 { members.append("\"$or\": [" + branches.joined(separator: ", ") + "]") }
        }
        if members.isEmpty { members.append("\"source\": \(leaf(&r))") }
        return "{" + members.joined(separator: ", ") + "}"
    }

    static func eventValue(_ r: inout SplitMix) -> String {
        switch r.int(5) {
        case 0: return "[" + (0..<r.int(3)).map { _ in scalar(&r) }.joined(separator: ", ") + "]"
        default: return scalar(&r)
        }
    }

    static func event(_ r: inout SplitMix) -> String {
        var members: [String] = []
        for name in fields where r.int(4) != 0 { members.append("\"\(name)\": \(eventValue(&r))") }
        let detail = detailFields.filter { _ in r.int(3) != 0 }.map { "\"\($0)\": \(eventValue(&r))" }
        switch r.int(4) {
        case 0: break
        case 1: members.append("\"detail\": [{" + detail.joined(separator: ", ") + "}, {\"state\": \"a\"}]")
        default: members.append("\"detail\": {" + detail.joined(separator: ", ") + "}")
        }
        return "{" + members.joined(separator: ", ") + "}"
    }

    @Test func indexEqualsLinearScan() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("RuleIndexTests.indexEqualsLinearScan seed: \(seed)")
        var r = SplitMix(state: seed)
        var index = RuleIndex<Int>()
        var patterns: [Int: EventPattern] = [:]
        var compiled = 0
        while compiled < 400 {
            let text = Self.object(&r, depth: 0)
            guard let pattern = try? EventPattern(json: text) else { continue }
            index.insert(pattern, for: compiled)
            patterns[compiled] = pattern
            compiled += 1
        }
        // Replace and remove some, so removal is exercised too.
        for id in stride(from: 0, to: 400, by: 7) {
            index.remove(id)
            patterns[id] = nil
        }
        for id in stride(from: 3, to: 400, by: 11) where patterns[id] != nil {
            let pattern = try EventPattern(json: #"{"source": ["a"], "detail": {"state": ["b"]}}"#)
            index.insert(pattern, for: id)
            patterns[id] = pattern
        }
        #expect(index.count == patterns.count)
        #expect(index.unindexedCount < patterns.count / 2, "most random patterns have an exact-valued field")
        var matchedSomething = 0
        for _ in 0..<1000 {
            let text = Self.event(&r)
            let event = json(text)
            let expected = Set(patterns.filter { $0.value.matches(event) }.keys)
            let found = index.matching(event)
            #expect(Set(found) == expected, "seed \(seed), event \(text)")
            #expect(found.count == Set(found).count, "no duplicates")
            #expect(Set(index.matchingByScan(event)) == expected)
            if !expected.isEmpty { matchedSomething += 1 }
        }
        #expect(matchedSomething > 50, "the generated events must match some patterns for the comparison to mean anything")
    }

    @Test func anEventRunsOnlyTheRulesItsValuesSelect() throws {
        var index = RuleIndex<Int>()
        for i in 0..<1000 {
            let pattern: String
            switch i % 4 {
            case 0: pattern = #"{"source": ["svc.\#(i)"], "detail": {"state": ["running"]}}"#
            case 1: pattern = #"{"detail": {"name": [{"prefix": "job-\#(i)-"}]}}"#
            case 2: pattern = #"{"$or": [{"source": ["svc.\#(i)"]}, {"account": ["\#(i)"]}]}"#
            default: pattern = #"{"detail": {"state": [{"anything-but": "x\#(i)"}]}, "source": [{"suffix": ".\#(i)"}]}"#
            }
            index.insert(try EventPattern(json: pattern), for: i)
        }
        #expect(index.unindexedCount == 250)
        let event = json(#"{"source": "svc.8", "account": "10", "detail": {"state": "running", "name": "job-9-x"}}"#)
        // svc.8's rule, job-9-'s prefix rule, the $or rule for account 10, the 250 unindexed, and
        // rule 0: inserted first, when every bucket was empty, it went under detail.state
        // (sorted before source), which this event's "running" selects; later rules saw that
        // bucket grow and went under their source.
        #expect(index.candidateCount(for: event) == 254)
        #expect(Set(index.matching(event)) == Set(index.matchingByScan(event)))
        #expect(Set(index.matching(event)) == [8, 9, 10])
    }

    @Test func orBranchesAndPrefixesAreIndexedAndReinsertReplaces() throws {
        var index = RuleIndex<String>()
        index.insert(try EventPattern(json: #"{"$or": [{"source": ["a"]}, {"detail": {"x": [1]}}]}"#), for: "or")
        index.insert(try EventPattern(json: #"{"source": [{"prefix": "a"}, "zz"]}"#), for: "prefix")
        index.insert(try EventPattern(json: #"{"source": [{"prefix": "ab"}]}"#), for: "prefix2")
        index.insert(try EventPattern(json: #"{"source": [{"suffix": "b"}]}"#), for: "suffix")
        #expect(index.unindexedCount == 1)
        #expect(Set(index.matching(json(#"{"detail": {"x": 1.0}}"#))) == ["or"])
        #expect(Set(index.matching(json(#"{"source": "ab"}"#))) == ["prefix", "prefix2", "suffix"])
        #expect(Set(index.matching(json(#"{"source": "a"}"#))) == ["or", "prefix"])
        #expect(Set(index.matching(json(#"{"source": "zz"}"#))) == ["prefix"])
        index.insert(try EventPattern(json: #"{"source": ["b"]}"#), for: "or")
        #expect(index.count == 4)
        #expect(Set(index.matching(json(#"{"source": "a"}"#))) == ["prefix"])
        index.remove("prefix")
        index.remove("suffix")
        index.remove("missing")
        #expect(index.unindexedCount == 0)
        #expect(index.matching(json(#"{"source": "b"}"#)) == ["or"])
        #expect(index.matching(json(#"{"source": "abc"}"#)) == ["prefix2"])
        #expect(index.matching(json(#"{"source": "ac"}"#)) == [])
    }
}
