/// The outcome of evaluating a request against policies.
public enum Decision: Sendable, Hashable {
    /// Some statement allows and none denies.
    case allow
    /// A matching Deny statement refuses; nothing can override it.
    case explicitDeny
    /// Nothing allows (the default).
    case implicitDeny
}

/// A decision with the statement that decided it and a reason for audit logs and error messages.
public struct EvaluationResult: Sendable, Hashable {
    /// The decision.
    public var decision: Decision
    /// The deciding statement: its Sid, or its zero-based index when it has none.
    public var matchedStatement: String?
    /// A human-readable explanation.
    public var reason: String

    /// Creates a result.
    public init(decision: Decision, matchedStatement: String? = nil, reason: String) {
        self.decision = decision
        self.matchedStatement = matchedStatement
        self.reason = reason
    }

    /// Whether the decision is `.allow`.
    public var isAllowed: Bool { decision == .allow }
}
