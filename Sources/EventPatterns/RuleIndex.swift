public import AWSProtocol

/// Many compiled patterns, each under an id (a rule's ARN), matched against one event at a
/// time, without scanning every pattern.
///
/// As aws/event-ruler does, each pattern is filed under values its fields require: a pattern
/// is kept in a bucket per (field path, exact value or prefix) of one field it tests by exact
/// values and prefixes only (for a `$or`, one such field per branch), and matching an event
/// looks up the event's values at the indexed paths, then runs the full pattern on those
/// candidates only. Patterns with no such field (only `suffix`, `anything-but`, `exists`, ...)
/// sit in a short list checked for every event. The result is exactly what running `matches`
/// on every pattern gives.
public struct RuleIndex<ID: Hashable & Sendable>: Sendable {
    private struct Entry: Sendable {
        var id: ID
        var pattern: EventPattern
        var keys: [IndexKey]?
    }

    /// The buckets of one field path.
    private struct PathTable: Sendable {
        var exact: [Scalar: [Int]] = [:]
        var prefixes: [[UInt8]: [Int]] = [:]
        /// How many prefixes of each length are filed, so a lookup tries only those lengths.
        var prefixLengths: [Int: Int] = [:]

        var isEmpty: Bool { exact.isEmpty && prefixes.isEmpty }

        func cost(of key: IndexKey) -> Int {
            var cost = 0
            for value in key.values { cost += 1 + 4 * (exact[value]?.count ?? 0) }
            for prefix in key.prefixes { cost += 2 + 4 * (prefixes[prefix]?.count ?? 0) }
            return cost
        }

        mutating func add(_ key: IndexKey, slot: Int) {
            for value in key.values { exact[value, default: []].append(slot) }
            for prefix in key.prefixes {
                prefixes[prefix, default: []].append(slot)
                prefixLengths[prefix.count, default: 0] += 1
            }
        }

        mutating func remove(_ key: IndexKey, slot: Int) {
            for value in key.values {
                exact[value]?.removeAll { $0 == slot }
                if exact[value]?.isEmpty == true { exact[value] = nil }
            }
            for prefix in key.prefixes {
                let before = prefixes[prefix]?.count ?? 0
                prefixes[prefix]?.removeAll { $0 == slot }
                let removed = before - (prefixes[prefix]?.count ?? 0)
                if prefixes[prefix]?.isEmpty == true { prefixes[prefix] = nil }
                prefixLengths[prefix.count, default: 0] -= removed
                if prefixLengths[prefix.count] ?? 0 <= 0 { prefixLengths[prefix.count] = nil }
            }
        }

        func collect(_ leaf: JSONValue, into candidates: inout [Int]) {
            if let scalar = Scalar(leaf), let slots = exact[scalar] { candidates += slots }
            guard !prefixes.isEmpty, case .string(let s) = leaf else { return }
            let bytes = Array(s.utf8)
            for length in prefixLengths.keys where length <= bytes.count {
                if let slots = prefixes[Array(bytes[..<length])] { candidates += slots }
            }
        }
    }

    private var entries: [Entry?] = []
    private var slotOf: [ID: Int] = [:]
    private var freeSlots: [Int] = []
    private var tables: [[String]: PathTable] = [:]
    private var unindexed: [Int] = []

    public init() {}

    /// Adds `pattern` under `id`, replacing the pattern `id` had.
    public mutating func insert(_ pattern: EventPattern, for id: ID) {
        remove(id)
        // File the pattern where it adds least to the candidates of future events: under the
        // condition whose buckets are smallest now.
        let keys = pattern.root.indexKeys(prefix: []) { option in
            option.reduce(0) { $0 + (tables[$1.path] ?? PathTable()).cost(of: $1) }
        }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            entries[slot] = Entry(id: id, pattern: pattern, keys: keys)
        } else {
            slot = entries.count
            entries.append(Entry(id: id, pattern: pattern, keys: keys))
        }
        slotOf[id] = slot
        guard let keys else {
            unindexed.append(slot)
            return
        }
        for key in keys { tables[key.path, default: PathTable()].add(key, slot: slot) }
    }

    public mutating func remove(_ id: ID) {
        guard let slot = slotOf.removeValue(forKey: id), let entry = entries[slot] else { return }
        entries[slot] = nil
        freeSlots.append(slot)
        guard let keys = entry.keys else {
            unindexed.removeAll { $0 == slot }
            return
        }
        for key in keys {
            tables[key.path]?.remove(key, slot: slot)
            if tables[key.path]?.isEmpty == true { tables[key.path] = nil }
        }
    }

    public var count: Int { slotOf.count }

    /// How many patterns no field value indexes, so each event runs them all; for tuning and tests.
    public var unindexedCount: Int { unindexed.count }

    /// The ids of every pattern `event` matches, in no particular order.
    public func matching(_ event: JSONValue) -> [ID] {
        var result: [ID] = []
        for slot in candidates(for: event) {
            guard let entry = entries[slot] else { continue }
            if entry.pattern.matches(event) { result.append(entry.id) }
        }
        return result
    }

    /// How many patterns `matching(_:)` runs for `event` (the unindexed ones and those its
    /// values select): what the index saves over a scan, for tests and tuning.
    public func candidateCount(for event: JSONValue) -> Int {
        candidates(for: event).count
    }

    /// The slots of the candidate patterns, each once.
    private func candidates(for event: JSONValue) -> [Int] {
        var candidates = unindexed
        for (path, table) in tables {
            Leaves.forEach(at: path[...], in: event) { leaf in table.collect(leaf, into: &candidates) }
        }
        guard candidates.count > 1 else { return candidates }
        candidates.sort()
        var unique: [Int] = []
        unique.reserveCapacity(candidates.count)
        for slot in candidates where slot != unique.last { unique.append(slot) }
        return unique
    }

    /// The ids of every pattern `event` matches, by running each one: what `matching(_:)` must
    /// equal, and the baseline the benchmark compares it with.
    public func matchingByScan(_ event: JSONValue) -> [ID] {
        entries.compactMap { entry in
            guard let entry, entry.pattern.matches(event) else { return nil }
            return entry.id
        }
    }
}
