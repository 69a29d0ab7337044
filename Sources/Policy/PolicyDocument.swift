/// Which kind of policy a document is; decides whether a principal is required or refused
/// and which wording errors use.
public enum PolicyKind: Sendable, Hashable {
    /// Attached to a user, group or role (or passed as a session policy): must not name a principal;
    /// every statement needs Resource/NotResource.
    case identity
    /// Attached to a resource (e.g. a role trust policy): every statement needs Principal/NotPrincipal;
    /// IAM's error wording.
    case resource
    /// A KMS key policy: a resource policy with KMS's error wording
    /// ("Policy contains a statement with no principal.").
    case keyPolicy

    /// Whether statements must name a principal.
    public var requiresPrincipal: Bool { self != .identity }
}

/// The policy language version. An absent `Version` means 2008 semantics.
public enum PolicyVersion: String, Sendable, Hashable, CaseIterable {
    /// The legacy version: no policy variables.
    case version2008 = "2008-10-17"
    /// The current version: policy variables are substituted.
    case version2012 = "2012-10-17"
}

/// A parsed, validated IAM policy document.
public struct PolicyDocument: Sendable, Hashable {
    /// The declared version, `nil` when the document has none (2008 semantics).
    public var version: PolicyVersion?
    /// The optional `Id`.
    public var id: String?
    /// The statements, in document order.
    public var statements: [Statement]
    /// The kind it was parsed as.
    public var kind: PolicyKind

    /// Creates a document from parts (no validation).
    public init(version: PolicyVersion?, id: String? = nil, statements: [Statement], kind: PolicyKind) {
        self.version = version
        self.id = id
        self.statements = statements
        self.kind = kind
    }

    /// Whether `${...}` policy variables are substituted (only under 2012-10-17).
    public var usesPolicyVariables: Bool { version == .version2012 }

    /// Parses and validates a policy document.
    /// - Throws: `PolicyError` with AWS's MalformedPolicyDocument wording.
    public static func parse(_ text: String, kind: PolicyKind) throws(PolicyError) -> PolicyDocument {
        try PolicyParser(kind: kind).parse(text)
    }
}
