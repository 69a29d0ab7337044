import Policy

/// Shared fixtures for the policy tests.
enum Fixture {
    static let account = "111122223333"
    static let otherAccount = "444455556666"
    static let alice = "arn:aws:iam::111122223333:user/alice"
    static let bob = "arn:aws:iam::444455556666:user/bob"
    static let keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    static func context(
        action: String = "kms:Encrypt", resource: String = keyArn, principal: String = alice,
        account: String = account, identifiers: [String]? = nil,
        keys: [String: [String]] = [:], variables: [String: String] = [:]
    ) -> RequestContext {
        RequestContext(
            action: action, resource: resource, principalArn: principal, principalAccount: account,
            principalIdentifiers: identifiers ?? [principal], conditionKeys: keys, policyVariables: variables)
    }

    /// An identity policy with one Allow statement for `kms:*` on `*` with one condition.
    static func conditionPolicy(_ op: String, key: String, valuesJSON: String, version: String? = "2012-10-17") -> String {
        let v = version.map { "\"Version\": \"\($0)\"," } ?? ""
        return """
            {\(v) "Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*",
              "Condition": {"\(op)": {"\(key)": \(valuesJSON)}}}}
            """
    }

    static func identity(_ text: String) throws -> PolicyDocument {
        try PolicyDocument.parse(text, kind: .identity)
    }

    static func key(_ text: String) throws -> PolicyDocument {
        try PolicyDocument.parse(text, kind: .keyPolicy)
    }

    /// A single-statement identity policy.
    static func allow(
        action: String = "kms:*", resource: String = "*", extra: String = "", version: String? = "2012-10-17"
    ) -> String {
        let v = version.map { "\"Version\": \"\($0)\"," } ?? ""
        return """
            {\(v) "Statement": [{"Effect": "Allow", "Action": \(jsonValue(action)), "Resource": \(jsonValue(resource))\(extra)}]}
            """
    }

    /// Renders a string as a JSON string, or passes through text that already is a JSON array.
    static func jsonValue(_ s: String) -> String {
        s.hasPrefix("[") ? s : "\"\(s)\""
    }
}
