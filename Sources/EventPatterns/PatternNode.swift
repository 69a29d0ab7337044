import AWSProtocol

/// A compiled pattern object: for each field it names, either a nested object or the test its
/// value must pass; and for each `$or` in it, the branches one of which must match the same
/// object.
struct PatternNode: Sendable {
    /// Sorted by name.
    var fields: [(name: String, field: Field)]
    /// One entry per `$or`, each with at least two branches.
    var alternatives: [[PatternNode]]

    enum Field: Sendable {
        case object(PatternNode)
        case values(LeafTest)
    }

    static let emptyObject: [String: JSONValue] = [:]

    /// Matches an event (or a part of one); a value that is not an object has no fields.
    func matches(_ event: JSONValue) -> Bool {
        if case .object(let members) = event { return matches(members) }
        return matches(Self.emptyObject)
    }

    func matches(_ members: [String: JSONValue]) -> Bool {
        for (name, field) in fields {
            switch field {
            case .values(let test):
                if !test.matches(members[name]) { return false }
            case .object(let node):
                if !node.matchesField(members[name]) { return false }
            }
        }
        for branches in alternatives where !branches.contains(where: { $0.matches(members) }) {
            return false
        }
        return true
    }

    /// A nested pattern object against a field's value: an object is matched directly; for an
    /// array, one of its objects must match on its own (the fields a pattern names under one
    /// object come from one element, as event-ruler's array consistency requires); anything
    /// else is an object with no fields, which only `exists: false` tests pass.
    private func matchesField(_ value: JSONValue?) -> Bool {
        switch value {
        case .object(let members)?:
            return matches(members)
        case .array(let items)?:
            var sawObject = false
            if anyObject(items, sawObject: &sawObject) { return true }
            return !sawObject && matches(Self.emptyObject)
        default:
            return matches(Self.emptyObject)
        }
    }

    private func anyObject(_ items: [JSONValue], sawObject: inout Bool) -> Bool {
        for item in items {
            switch item {
            case .object(let members):
                sawObject = true
                if matches(members) { return true }
            case .array(let inner):
                if anyObject(inner, sawObject: &sawObject) { return true }
            default: continue
            }
        }
        return false
    }

    func fieldPaths(prefix: [String]) -> [[String]] {
        var paths: [[String]] = []
        for (name, field) in fields {
            switch field {
            case .object(let node): paths += node.fieldPaths(prefix: prefix + [name])
            case .values: paths.append(prefix + [name])
            }
        }
        for branches in alternatives {
            for branch in branches {
                for path in branch.fieldPaths(prefix: prefix) where !paths.contains(path) { paths.append(path) }
            }
        }
        return paths
    }

    /// A necessary condition for a match, for `RuleIndex`: a list of (path, exact values) such
    /// that whenever this pattern matches an event, the event has, at one of those paths, a
    /// leaf equal to one of its values. nil when there is none (no field of this object is
    /// tested by exact values only, and some `$or` branch has no such condition either). Of the
    /// conditions a pattern offers (every exact-only field is one), `cost` picks the cheapest.
    func indexKeys(prefix: [String], cost: ([IndexKey]) -> Int) -> [IndexKey]? {
        var best: (keys: [IndexKey], cost: Int)?
        func consider(_ option: [IndexKey]) {
            let c = cost(option)
            if best == nil || c < best!.cost { best = (option, c) }
        }
        for (name, field) in fields {
            switch field {
            case .values(let test):
                if let key = test.indexKey(path: prefix + [name]) { consider([key]) }
            case .object(let node):
                if let keys = node.indexKeys(prefix: prefix + [name], cost: cost) { consider(keys) }
            }
        }
        alternatives: for branches in alternatives {
            var union: [IndexKey] = []
            for branch in branches {
                guard let keys = branch.indexKeys(prefix: prefix, cost: cost) else { continue alternatives }
                union += keys
            }
            consider(union)
        }
        return best?.keys
    }
}

/// A condition `RuleIndex` files a pattern under: the leaf at `path` equals one of `values` or
/// is a string starting with one of `prefixes` (UTF-8, case-sensitive).
struct IndexKey: Sendable {
    var path: [String]
    var values: Set<Scalar>
    var prefixes: Set<[UInt8]> = []
}

/// What a field's value must satisfy: one of the exact values, or one of the other matchers.
struct LeafTest: Sendable {
    var exact: Set<Scalar> = [] {
        didSet { exactList = exact.count <= 4 ? Array(exact) : nil }
    }
    /// The exact values again when there are few: comparing a handful beats hashing the leaf.
    private var exactList: [Scalar]? = []
    var matchers: [Matcher] = []

    /// The index condition this test implies, when every way to pass it is an exact value or a
    /// case-sensitive prefix.
    func indexKey(path: [String]) -> IndexKey? {
        var prefixes: Set<[UInt8]> = []
        for matcher in matchers {
            guard case .prefix(let p) = matcher else { return nil }
            prefixes.insert(Array(p.utf8))
        }
        if exact.isEmpty && prefixes.isEmpty { return nil }
        return IndexKey(path: path, values: exact, prefixes: prefixes)
    }

    private func isExact(_ leaf: JSONValue) -> Bool {
        guard let scalar = Scalar(leaf) else { return false }
        if let exactList { return exactList.contains(scalar) }
        return exact.contains(scalar)
    }

    /// `value` is the field's value, nil when the event lacks the field. An array stands for its
    /// elements (at any depth): the field passes when any element does.
    func matches(_ value: JSONValue?) -> Bool {
        if !exact.isEmpty, let value, Leaves.any(value, isExact) {
            return true
        }
        for matcher in matchers {
            if case .exists(let wanted) = matcher {
                // Only leaves exist: a field holding an object (or an empty array) is absent.
                let present = value.map { Leaves.any($0) { _ in true } } ?? false
                if present == wanted { return true }
            } else if let value, Leaves.any(value, matcher.matches) {
                return true
            }
        }
        return false
    }
}

enum Leaves {
    /// Whether a leaf of `value` (itself, or an element of an array at any depth; objects have
    /// none) satisfies `predicate`.
    static func any(_ value: JSONValue, _ predicate: (JSONValue) -> Bool) -> Bool {
        switch value {
        case .array(let items): return items.contains { any($0, predicate) }
        case .object: return false
        default: return predicate(value)
        }
    }

    /// Calls `body` with each leaf at `path` in `value`, stepping into arrays at every level.
    static func forEach(at path: ArraySlice<String>, in value: JSONValue, _ body: (JSONValue) -> Void) {
        switch value {
        case .array(let items):
            for item in items { forEach(at: path, in: item, body) }
        case .object(let members):
            guard let name = path.first, let child = members[name] else { return }
            forEach(at: path.dropFirst(), in: child, body)
        default:
            if path.isEmpty { body(value) }
        }
    }
}
