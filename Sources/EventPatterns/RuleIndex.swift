public import AWSProtocol

/// Many compiled patterns, each under an id (a rule's ARN), matched against one event at a
/// time, without scanning every pattern.
///
/// As aws/event-ruler does, each pattern is filed under values its fields require: a pattern
/// is kept in a bucket per (field path, exact value) of one field it tests by exact values only
/// (for a `$or`, one such field per branch), and matching an event looks up the event's values
/// at the indexed paths, then runs the full pattern on those candidates only. Patterns with no
/// such field (only `prefix`, `anything-but`, `exists`, ...) sit in a short list checked for
/// every event. The result is exactly what running `matches` on every pattern gives.
public struct RuleIndex<ID: Hashable & Sendable>: Sendable {
    private struct Entry: Sendable {
        var id: ID
        var pattern: EventPattern
        var keys: [IndexKey]?
    }

    private var entries: [Entry?] = []
    private var slotOf: [ID: Int] = [:]
    private var freeSlots: [Int] = []
    /// path -> value -> slots.
    private var buckets: [[String]: [Scalar: [Int]]] = [:]
    private var unindexed: [Int] = []

    public init() {}

    /// Adds `pattern` under `id`, replacing the pattern `id` had.
    public mutating func insert(_ pattern: EventPattern, for id: ID) {
        remove(id)
        // File the pattern where it adds least to the candidates of future events: under the
        // condition whose buckets are smallest now (a bucket per value; fewer values break ties).
        let keys = pattern.root.indexKeys(prefix: []) { option in
            var cost = 0
            for key in option {
                let table = buckets[key.path]
                for value in key.values { cost += 1 + (table?[value]?.count ?? 0) * 4 }
            }
            return cost
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
        for key in keys {
            for value in key.values {
                buckets[key.path, default: [:]][value, default: []].append(slot)
            }
        }
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
            for value in key.values {
                buckets[key.path]?[value]?.removeAll { $0 == slot }
                if buckets[key.path]?[value]?.isEmpty == true { buckets[key.path]?[value] = nil }
            }
            if buckets[key.path]?.isEmpty == true { buckets[key.path] = nil }
        }
    }

    public var count: Int { slotOf.count }

    /// How many patterns no field value indexes, so each event runs them all; for tuning and tests.
    public var unindexedCount: Int { unindexed.count }

    /// The ids of every pattern `event` matches, in no particular order.
    public func matching(_ event: JSONValue) -> [ID] {
        var candidates = unindexed
        for (path, table) in buckets {
            Leaves.forEach(at: path[...], in: event) { leaf in
                if let scalar = Scalar(leaf), let slots = table[scalar] { candidates += slots }
            }
        }
        if candidates.count > 1 {
            candidates.sort()
        }
        var result: [ID] = []
        var previous = -1
        for slot in candidates where slot != previous {
            previous = slot
            guard let entry = entries[slot] else { continue }
            if entry.pattern.matches(event) { result.append(entry.id) }
        }
        return result
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
