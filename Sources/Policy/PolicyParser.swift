/// Turns policy JSON into a validated `PolicyDocument`, refusing what AWS refuses.
struct PolicyParser {
    let kind: PolicyKind

    private static let topLevelFields: Set<String> = ["Version", "Id", "Statement"]
    private static let statementFields: Set<String> = [
        "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
        "Resource", "NotResource", "Condition",
    ]

    func parse(_ text: String) throws(PolicyError) -> PolicyDocument {
        let json: PolicyJSON
        do {
            json = try PolicyJSONParser.parse(text)
        } catch {
            throw PolicyError.invalidJSON
        }
        guard case .object(let members) = json else { throw PolicyError.syntaxError }
        var fields: [String: PolicyJSON] = [:]
        for (key, value) in members {
            guard Self.topLevelFields.contains(key) else { throw PolicyError.syntaxError }
            fields[key] = value
        }

        var version: PolicyVersion?
        if let raw = fields["Version"] {
            guard case .string(let v) = raw else { throw PolicyError.syntaxError }
            guard let parsed = PolicyVersion(rawValue: v) else { throw PolicyError.invalidVersion }
            version = parsed
        }
        var id: String?
        if let raw = fields["Id"] {
            guard case .string(let v) = raw else { throw PolicyError.syntaxError }
            id = v
        }

        let statementJSON: [PolicyJSON]
        switch fields["Statement"] {
        case nil: throw PolicyError.missingRequiredField("Statement")
        case .object?: statementJSON = [fields["Statement"]!]
        case .array(let items)?: statementJSON = items
        default: throw PolicyError.syntaxError
        }
        guard !statementJSON.isEmpty else { throw PolicyError.missingRequiredField("Statement") }

        var statements: [Statement] = []
        var sids = Set<String>()
        for item in statementJSON {
            let statement = try parseStatement(item)
            if kind == .identity, let sid = statement.sid, !sid.isEmpty {
                guard sids.insert(sid).inserted else { throw PolicyError.duplicateSid }
            }
            statements.append(statement)
        }
        return PolicyDocument(version: version, id: id, statements: statements, kind: kind)
    }

    private func parseStatement(_ json: PolicyJSON) throws(PolicyError) -> Statement {
        guard case .object(let members) = json else { throw PolicyError.syntaxError }
        var fields: [String: PolicyJSON] = [:]
        for (key, value) in members {
            guard Self.statementFields.contains(key) else { throw PolicyError.syntaxError }
            fields[key] = value
        }

        var sid: String?
        if let raw = fields["Sid"] {
            guard case .string(let s) = raw else { throw PolicyError.syntaxError }
            if kind == .identity {
                guard s.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
                else { throw PolicyError.invalidSid }
            }
            sid = s
        }

        guard let rawEffect = fields["Effect"] else { throw PolicyError.missingRequiredField("Effect") }
        guard case .string(let effectText) = rawEffect else { throw PolicyError.syntaxError }
        guard let effect = Effect(rawValue: effectText) else { throw PolicyError.invalidEffect(effectText) }

        // Principal / NotPrincipal
        if fields["Principal"] != nil && fields["NotPrincipal"] != nil { throw PolicyError.syntaxError }
        let principal = try fields["Principal"].map { (j) throws(PolicyError) in try parsePrincipal(j) }
        let notPrincipal = try fields["NotPrincipal"].map { (j) throws(PolicyError) in try parsePrincipal(j) }
        switch kind {
        case .identity:
            if principal != nil || notPrincipal != nil { throw PolicyError.principalNotAllowed }
        case .resource:
            if principal == nil && notPrincipal == nil { throw PolicyError.missingRequiredField("Principal") }
        case .keyPolicy:
            if principal == nil && notPrincipal == nil { throw PolicyError.keyPolicyMissingPrincipal }
        }

        // Action / NotAction
        if fields["Action"] != nil && fields["NotAction"] != nil { throw PolicyError.syntaxError }
        let actions = try fields["Action"].map { (j) throws(PolicyError) in try parseActions(j) }
        let notActions = try fields["NotAction"].map { (j) throws(PolicyError) in try parseActions(j) }
        if actions == nil && notActions == nil { throw PolicyError.missingRequiredField("Action") }

        // Resource / NotResource
        if fields["Resource"] != nil && fields["NotResource"] != nil { throw PolicyError.syntaxError }
        let resources = try fields["Resource"].map { (j) throws(PolicyError) in try parseResources(j) }
        let notResources = try fields["NotResource"].map { (j) throws(PolicyError) in try parseResources(j) }
        if kind == .identity && resources == nil && notResources == nil { throw PolicyError.missingResource }

        let conditions = try fields["Condition"].map { (j) throws(PolicyError) in try parseConditions(j) } ?? []

        return Statement(
            sid: sid, effect: effect, principal: principal, notPrincipal: notPrincipal,
            actions: actions, notActions: notActions, resources: resources, notResources: notResources,
            conditions: conditions)
    }

    /// A string or a non-empty array of strings.
    private func stringList(_ json: PolicyJSON) throws(PolicyError) -> [String] {
        switch json {
        case .string(let s): return [s]
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw PolicyError.syntaxError }
                out.append(s)
            }
            return out
        default:
            throw PolicyError.syntaxError
        }
    }

    private func parseActions(_ json: PolicyJSON) throws(PolicyError) -> [String] {
        let list = try stringList(json)
        guard !list.isEmpty else { throw PolicyError.missingRequiredField("Action") }
        for action in list where action != "*" {
            guard let colon = action.firstIndex(of: ":"), colon != action.startIndex,
                action[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "*" || $0 == "?") })
            else { throw PolicyError.missingVendorPrefix }
        }
        return list
    }

    private func parseResources(_ json: PolicyJSON) throws(PolicyError) -> [String] {
        let list = try stringList(json)
        guard !list.isEmpty else {
            if kind == .identity { throw PolicyError.missingResource }
            throw PolicyError.missingRequiredField("Resource")
        }
        for resource in list where resource != "*" {
            guard resource.hasPrefix("arn:") else {
                throw PolicyError.invalidResource(resource)
            }
        }
        return list
    }

    private func invalidPrincipal(_ type: String, _ value: String) -> PolicyError {
        kind == .keyPolicy ? PolicyError.keyPolicyInvalidPrincipal : PolicyError.invalidPrincipal(type: type, value: value)
    }

    private func parsePrincipal(_ json: PolicyJSON) throws(PolicyError) -> PrincipalElement {
        switch json {
        case .string(let s):
            guard s == "*" else { throw invalidPrincipal("AWS", s) }
            return .any
        case .object(let members):
            guard !members.isEmpty else { throw PolicyError.syntaxError }
            var principals: [PolicyPrincipal] = []
            for (type, value) in members {
                guard let principalKind = PolicyPrincipal.Kind(rawValue: type) else {
                    throw invalidPrincipal(type, "")
                }
                let values = try stringList(value)
                guard !values.isEmpty else { throw invalidPrincipal(type, "") }
                for v in values {
                    try validatePrincipal(principalKind, v)
                    principals.append(PolicyPrincipal(kind: principalKind, value: v))
                }
            }
            return .principals(principals)
        default:
            throw PolicyError.syntaxError
        }
    }

    private func validatePrincipal(_ principalKind: PolicyPrincipal.Kind, _ value: String) throws(PolicyError) {
        guard !value.isEmpty else { throw invalidPrincipal(principalKind.rawValue, value) }
        switch principalKind {
        case .aws:
            if value == "*" || PolicyPrincipal.isAccountId(value) { return }
            // An ARN with no wildcards: arn:partition:service:region:account:resource.
            let parts = value.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            guard parts.count == 6, parts[0] == "arn", !parts[1].isEmpty, parts[2] == "iam" || parts[2] == "sts",
                !parts[5].isEmpty, !value.contains("*"), !value.contains("?")
            else { throw invalidPrincipal(principalKind.rawValue, value) }
        case .service, .federated, .canonicalUser:
            guard !value.contains("*") || value == "*",
                !value.contains(where: { $0.isWhitespace })
            else { throw invalidPrincipal(principalKind.rawValue, value) }
        }
    }

    private func parseConditions(_ json: PolicyJSON) throws(PolicyError) -> [Condition] {
        guard case .object(let operators) = json else { throw PolicyError.syntaxError }
        var conditions: [Condition] = []
        for (name, block) in operators {
            guard let op = ConditionOperator(rawValue: name) else { throw PolicyError.invalidConditionType(name) }
            guard case .object(let keys) = block else { throw PolicyError.syntaxError }
            for (key, rawValues) in keys {
                guard let colon = key.firstIndex(of: ":"), colon != key.startIndex else {
                    throw PolicyError.missingVendorPrefix
                }
                conditions.append(Condition(conditionOperator: op, key: key, values: try conditionValues(rawValues)))
            }
        }
        return conditions
    }

    private func conditionValues(_ json: PolicyJSON) throws(PolicyError) -> [String] {
        func scalar(_ j: PolicyJSON) throws(PolicyError) -> String {
            switch j {
            case .string(let s): return s
            case .number(let n): return n
            case .bool(let b): return b ? "true" : "false"
            default: throw PolicyError.syntaxError
            }
        }
        if case .array(let items) = json {
            var out: [String] = []
            for item in items { out.append(try scalar(item)) }
            return out
        }
        return [try scalar(json)]
    }
}
