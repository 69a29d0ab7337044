import AWSProtocol

/// A compiled pattern object: for each field it names, either a nested object or the
/// matchers its value must satisfy one of.
struct PatternNode: Sendable {
    var fields: [(name: String, node: Field)]

    enum Field: Sendable {
        case object(PatternNode)
        case values([Matcher])
    }

    init(_ value: JSONValue, path: [String]) throws(PatternError) {
        guard case .object(let members) = value else {
            throw PatternError("Event pattern is not valid. Reason: Filter is not an object")
        }
        var fields: [(String, Field)] = []
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            switch member {
            case .object:
                fields.append((name, .object(try PatternNode(member, path: path + [name]))))
            case .array(let items):
                fields.append((name, .values(try items.map { item throws(PatternError) in try Matcher(item) })))
            default:
                throw PatternError(
                    "Event pattern is not valid. Reason: Match value must be String, number, true, false, or null")
            }
        }
        self.fields = fields
    }

    func matches(_ event: JSONValue) -> Bool {
        for (name, field) in fields {
            let value = event[name]
            switch field {
            case .object(let node):
                guard let value else { return false }
                if case .array(let items) = value {
                    guard items.contains(where: { node.matches($0) }) else { return false }
                } else if !node.matches(value) {
                    return false
                }
            case .values(let matchers):
                let candidates: [JSONValue]
                switch value {
                case .array(let items)?: candidates = items
                case let value?: candidates = [value]
                case nil: candidates = []
                }
                guard matchers.contains(where: { $0.matches(candidates) }) else { return false }
            }
        }
        return true
    }

    func fieldPaths(prefix: [String]) -> [[String]] {
        fields.flatMap { name, field -> [[String]] in
            switch field {
            case .object(let node): return node.fieldPaths(prefix: prefix + [name])
            case .values: return [prefix + [name]]
            }
        }
    }
}

/// One matcher of a field's array: an exact value for now.
struct Matcher: Sendable {
    let exact: JSONValue

    init(_ value: JSONValue) throws(PatternError) {
        switch value {
        case .string, .int, .double, .bool, .null: exact = value
        default: throw PatternError("Event pattern is not valid. Reason: Unrecognized match type")
        }
    }

    /// Whether any of the field's values (none when the field is absent) satisfies it.
    func matches(_ values: [JSONValue]) -> Bool {
        values.contains { value in
            switch (exact, value) {
            case (.int(let a), .double(let b)): return Double(a) == b
            case (.double(let a), .int(let b)): return a == Double(b)
            default: return exact == value
            }
        }
    }
}
