public import AWSProtocol

/// Many compiled patterns, each under an id (a rule's ARN), matched against one event at a
/// time. Matching is meant not to scan every pattern: patterns are indexed by the values they
/// require (as AWS's event-ruler does), so 10,000 rules cost little more than one.
public struct RuleIndex<ID: Hashable & Sendable>: Sendable {
    private var patterns: [ID: EventPattern] = [:]

    public init() {}

    public mutating func insert(_ pattern: EventPattern, for id: ID) {
        patterns[id] = pattern
    }

    public mutating func remove(_ id: ID) {
        patterns[id] = nil
    }

    public var count: Int { patterns.count }

    /// The ids of every pattern `event` matches.
    public func matching(_ event: JSONValue) -> [ID] {
        patterns.compactMap { $0.value.matches(event) ? $0.key : nil }
    }
}
