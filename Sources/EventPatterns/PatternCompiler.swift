/// Which product's rules a document is compiled under: EventBridge event patterns, or SNS filter
/// policies of either scope. The matchers are shared; the differences are AWS's.
enum PatternDialect: Sendable {
    case eventBridge
    case filterPolicy(FilterPolicy.Scope)
}

/// Compiles a pattern document into a `PatternNode`, refusing what AWS refuses with AWS's words.
///
/// Where the messages come from: AWS compiles patterns with aws/event-ruler
/// (`JsonRuleCompiler`), and the reasons below are event-ruler's `barf` messages, which
/// EventBridge returns after `Event pattern is not valid. Reason: ` and SNS after `Invalid
/// parameter: FilterPolicy: `, followed by Jackson's location (`\n at [Source: (String)"...";
/// line: 1, column: 45]`). Real AWS responses quoted in public issues confirm the wording and
/// the columns: `"source" must be an object or an array ... column: 45` (lalcebo/json-schema#171,
/// awslabs/aws-ddk#149), `Empty arrays are not allowed ... column: 18` (aws/aws-cdk#36904),
/// SNS's `Invalid parameter: FilterPolicy: Empty arrays are not allowed` (aws/aws-cdk#16549).
/// The SNS-only checks (5 keys, 150 combinations, no nesting in attribute scope) use the
/// strings LocalStack's AWS-validated tests assert. `cidr` errors carry no location, because
/// event-ruler raises them as IllegalArgumentException outside the parser.
struct PatternCompiler {
    let dialect: PatternDialect
    let source: PatternSource?

    /// event-ruler's `Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP`: the operator names,
    /// which may not be field names inside a `$or` branch.
    static let reservedInOr: Set<String> = [
        "anything-but", "numeric", "prefix", "suffix", "exists", "cidr", "equals-ignore-case", "wildcard", "exact",
    ]

    private var isSNS: Bool {
        if case .filterPolicy = dialect { return true }
        return false
    }

    func error(_ reason: String, at location: SourceLocation?) -> PatternError {
        var detail = reason
        if let location, let source { detail += source.suffix(at: location) }
        switch dialect {
        case .eventBridge: return PatternError(prefix: PatternError.eventBridgePrefix, reason: detail)
        case .filterPolicy: return PatternError(prefix: PatternError.snsPrefix, reason: "FilterPolicy: " + detail)
        }
    }

    func compile(_ document: PatternJSON) throws(PatternError) -> PatternNode {
        guard case .object(let members) = document.kind else {
            throw error("Filter is not an object", at: document.start)
        }
        return try object(members, end: document.end, inOr: false)
    }

    private func object(_ members: [PatternJSON.Member], end: SourceLocation?, inOr: Bool) throws(PatternError) -> PatternNode {
        if members.isEmpty { throw error("Empty objects are not allowed", at: end) }
        var fields: [String: PatternNode.Field] = [:]
        var alternatives: [[PatternNode]] = []
        for member in members {
            if member.key == "$or" {
                alternatives.append(try or(member.value))
                continue
            }
            if inOr, Self.reservedInOr.contains(member.key) {
                throw error("\(member.key) is Ruler reserved fieldName which cannot be used inside $or.", at: member.value.start)
            }
            switch member.value.kind {
            case .object(let inner):
                if case .filterPolicy(.messageAttributes) = dialect {
                    throw PatternError(
                        prefix: PatternError.snsPrefix,
                        reason: "Filter policy scope MessageAttributes does not support nested filter policy")
                }
                fields[member.key] = .object(try object(inner, end: member.value.end, inOr: inOr))
            case .array(let items):
                fields[member.key] = .values(try leaf(items, array: member.value))
            default:
                throw error("\"\(member.key)\" must be an object or an array", at: member.value.start)
            }
        }
        return PatternNode(fields: fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, alternatives: alternatives)
    }

    private func or(_ value: PatternJSON) throws(PatternError) -> [PatternNode] {
        guard case .array(let items) = value.kind else {
            throw error("It must be an Array followed with $or.", at: value.start)
        }
        var branches: [PatternNode] = []
        for item in items {
            guard case .object(let members) = item.kind else {
                throw error("Only JSON object is allowed in array of $or relationship.", at: item.start)
            }
            branches.append(try object(members, end: item.end, inOr: true))
        }
        if branches.count < 2 {
            throw error("There must have at least 2 Objects in $or relationship.", at: value.end)
        }
        return branches
    }

    private func leaf(_ items: [PatternJSON], array: PatternJSON) throws(PatternError) -> LeafTest {
        var test = LeafTest()
        for item in items {
            switch item.kind {
            case .object(let members):
                switch try expression(members, item) {
                case .exact(let scalar): test.exact.insert(scalar)
                case .matcher(let matcher): test.matchers.append(matcher)
                }
            case .string(let s): test.exact.insert(.string(s))
            case .number(_, let value): test.exact.insert(.number(value == 0 ? 0 : value))
            case .bool(let b): test.exact.insert(.bool(b))
            case .null: test.exact.insert(.null)
            case .array:
                throw error("Match value must be String, number, true, false, or null", at: item.start)
            }
        }
        if items.isEmpty { throw error("Empty arrays are not allowed", at: array.end) }
        return test
    }

    private enum Compiled {
        case exact(Scalar)
        case matcher(Matcher)
    }

    private static let onlyOneKey = "Only one key allowed in match expression"
    /// event-ruler says this after `numeric` and after `anything-but` alike.
    private static let tooManyElements = "Too many elements in numeric expression"

    private func expression(_ members: [PatternJSON.Member], _ object: PatternJSON) throws(PatternError) -> Compiled {
        guard let first = members.first else { throw error("Match expression name not found", at: object.end) }
        let value = first.value
        let extra = members.count > 1 ? members[1].value.start : nil
        func onlyOne() throws(PatternError) {
            if members.count > 1 { throw error(Self.onlyOneKey, at: extra) }
        }
        func string(_ what: String) throws(PatternError) -> String {
            guard case .string(let s) = value.kind else { throw error("\(what) match pattern must be a string", at: value.start) }
            return s
        }
        switch first.key {
        case "exact" where !isSNS:
            let s = try string("exact")
            try onlyOne()
            return .exact(.string(s))
        case "prefix", "suffix":
            let isPrefix = first.key == "prefix"
            if !isSNS, case .object(let inner) = value.kind, let op = inner.first {
                guard op.key == "equals-ignore-case" else {
                    throw error("Unsupported anything-but pattern: \(op.key)", at: op.value.start)
                }
                guard case .string(let s) = op.value.kind else {
                    throw error("equals-ignore-case match pattern must be a string", at: op.value.start)
                }
                if inner.count > 1 { throw error(Self.onlyOneKey, at: inner[1].value.start) }
                try onlyOne()
                return .matcher(isPrefix ? .prefixIgnoringCase(s.lowercased()) : .suffixIgnoringCase(s.lowercased()))
            }
            let s = try string(first.key)
            try onlyOne()
            return .matcher(isPrefix ? .prefix(s) : .suffix(s))
        case "equals-ignore-case":
            let s = try string("equals-ignore-case")
            try onlyOne()
            return .matcher(.equalsIgnoreCase(s.lowercased()))
        case "wildcard" where !isSNS:
            let s = try string("wildcard")
            let wildcard = try self.wildcard(s, at: value.end)
            try onlyOne()
            return .matcher(.wildcard(wildcard))
        case "numeric":
            let range = try numeric(value)
            if members.count > 1 { throw error(Self.tooManyElements, at: extra) }
            return .matcher(.numeric(range))
        case "anything-but":
            let extraKey: SourceLocation?? = members.count > 1 ? .some(extra) : .none
            return .matcher(.anythingBut(try anythingBut(value, extra: extraKey)))
        case "exists":
            guard case .bool(let wanted) = value.kind else {
                throw error("exists match pattern must be either true or false.", at: value.start)
            }
            try onlyOne()
            return .matcher(.exists(wanted))
        case "cidr":
            // event-ruler reuses the prefix message here.
            let s = try string("prefix")
            let block = try cidr(s)
            try onlyOne()
            return .matcher(.cidr(block))
        default:
            throw error("Unrecognized match type \(first.key)", at: value.start)
        }
    }

    private func wildcard(_ text: String, at location: SourceLocation?) throws(PatternError) -> Wildcard {
        do {
            return try Wildcard(text)
        } catch {
            switch error {
            case .consecutiveWildcards(let position):
                throw self.error("Consecutive wildcard characters at pos \(position)", at: location)
            case .invalidEscape(let position):
                throw self.error("Invalid escape character at pos \(position)", at: location)
            }
        }
    }

    /// event-ruler's `ComparableNumber` accepts [-5e9, 5e9]; its message prints Java's doubles.
    private func checkRange(_ x: Double, at location: SourceLocation?) throws(PatternError) {
        if !(x >= -NumericRange.limit && x <= NumericRange.limit) {
            throw error("Value must be between -5.0E9 and 5.0E9, inclusive", at: location)
        }
    }

    private func numeric(_ value: PatternJSON) throws(PatternError) -> NumericRange {
        guard case .array(let items) = value.kind else {
            throw error("Value of numeric must be an array.", at: value.start)
        }
        // Jackson's location after reading item i: the item, or past `]` when there is none.
        func at(_ i: Int) -> SourceLocation? { i < items.count ? items[i].start : value.end }
        func number(_ i: Int, _ name: String) throws(PatternError) -> Double {
            guard i < items.count, case .number(_, let x) = items[i].kind else {
                throw error("Value of \(name) must be numeric", at: at(i))
            }
            return x
        }
        guard let first = items.first, case .string(let op) = first.kind else {
            throw error("Invalid member in numeric match: \(items.first?.tokenText ?? "]")", at: at(0))
        }
        switch op {
        case "=":
            let x = try number(1, "equals")
            if items.count > 2 { throw error(Self.tooManyElements, at: at(2)) }
            try checkRange(x, at: value.end)
            return NumericRange(lower: x, upper: x)
        case "<", "<=":
            let x = try number(1, op)
            if items.count > 2 { throw error(Self.tooManyElements, at: at(2)) }
            try checkRange(x, at: value.end)
            return NumericRange(upper: x, upperOpen: op == "<")
        case ">", ">=":
            let bottom = try number(1, op)
            guard items.count > 2 else {
                try checkRange(bottom, at: value.end)
                return NumericRange(lower: bottom, lowerOpen: op == ">")
            }
            guard case .string(let op2) = items[2].kind else {
                throw error("Bad value in numeric range: \(items[2].tokenText)", at: items[2].start)
            }
            guard op2 == "<" || op2 == "<=" else {
                throw error("Bad numeric range operator: \(op2)", at: items[2].end)
            }
            let top = try number(3, op2)
            if items.count > 4 { throw error("Too many terms in numeric range expression", at: at(4)) }
            try checkRange(bottom, at: value.end)
            try checkRange(top, at: value.end)
            if !(bottom < top) { throw error("Bottom must be less than top", at: value.end) }
            return NumericRange(lower: bottom, lowerOpen: op == ">", upper: top, upperOpen: op2 == "<")
        default:
            throw error("Unrecognized numeric range operator: \(op)", at: at(1))
        }
    }

    /// `extra` is nil when the expression has no second key, else that key's location (itself
    /// nil when the document has no text).
    private func anythingBut(_ value: PatternJSON, extra: SourceLocation??) throws(PatternError) -> AnythingBut {
        var operand = value
        var ignoreCase = false
        if case .object(let inner) = value.kind {
            guard let op = inner.first else { throw error("Anything-But expression name not found", at: value.end) }
            let innerExtra = inner.count > 1 ? inner[1].value.start : nil
            switch op.key {
            case "equals-ignore-case" where !isSNS:
                ignoreCase = true
                operand = op.value
            case "prefix", "suffix", "wildcard":
                // SNS takes only `prefix` inside anything-but.
                if isSNS, op.key != "prefix" {
                    throw error("Unsupported anything-but pattern: \(op.key)", at: op.value.start)
                }
                let what =
                    op.key == "wildcard"
                    ? "wildcard match pattern must be a string" : "prefix/suffix match pattern must be a string"
                var texts: [String] = []
                switch op.value.kind {
                case .string(let s): texts = [s]
                case .array(let items) where !items.isEmpty:
                    for item in items {
                        guard case .string(let s) = item.kind else { throw error(what, at: item.start) }
                        texts.append(s)
                    }
                default: throw error(what, at: op.value.start)
                }
                if op.key != "wildcard", texts.contains(where: \.isEmpty) {
                    throw error("Null prefix/suffix not allowed", at: op.value.end)
                }
                if inner.count > 1 { throw error(Self.onlyOneKey, at: innerExtra) }
                if let extra { throw error(Self.onlyOneKey, at: extra) }
                switch op.key {
                case "prefix": return .prefixes(texts)
                case "suffix": return .suffixes(texts)
                default:
                    var wildcards: [Wildcard] = []
                    for text in texts { wildcards.append(try wildcard(text, at: op.value.end)) }
                    return .wildcards(wildcards)
                }
            default:
                throw error("Unsupported anything-but pattern: \(op.key)", at: op.value.start)
            }
            if ignoreCase {
                let result = try anythingButIgnoringCase(operand)
                if inner.count > 1 { throw error(Self.tooManyElements, at: innerExtra) }
                if let extra { throw error(Self.tooManyElements, at: extra) }
                return result
            }
        }
        let result = try anythingButValues(operand)
        if let extra { throw error(Self.tooManyElements, at: extra) }
        return result
    }

    private static let notArrayOrValue = "Value of anything-but must be an array or single string/number value."

    private func anythingButIgnoringCase(_ operand: PatternJSON) throws(PatternError) -> AnythingBut {
        switch operand.kind {
        case .string(let s):
            return .equalsIgnoreCase([s.lowercased()])
        case .number:
            throw error(
                "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", at: operand.start)
        case .array(let items):
            var excluded: Set<String> = []
            for item in items {
                // "numberic" is event-ruler's spelling.
                guard case .string(let s) = item.kind else {
                    throw error(
                        "Inside anything-but/equals-ignore-case list, numberic|start|null|boolean is not supported.",
                        at: item.start)
                }
                excluded.insert(s.lowercased())
            }
            return .equalsIgnoreCase(excluded)
        default:
            throw error(Self.notArrayOrValue, at: operand.start)
        }
    }

    private func anythingButValues(_ operand: PatternJSON) throws(PatternError) -> AnythingBut {
        switch operand.kind {
        case .string(let s):
            return .values([.string(s)])
        case .number(_, let x):
            try checkRange(x, at: operand.start)
            return .values([.number(x == 0 ? 0 : x)])
        case .array(let items):
            var excluded: Set<Scalar> = []
            var sawString = false
            var sawNumber = false
            for item in items {
                switch item.kind {
                case .string(let s):
                    sawString = true
                    excluded.insert(.string(s))
                case .number(_, let x):
                    sawNumber = true
                    try checkRange(x, at: item.start)
                    excluded.insert(.number(x == 0 ? 0 : x))
                default:
                    throw error("Inside anything but list, start|null|boolean is not supported.", at: item.start)
                }
            }
            if sawString == sawNumber {
                throw error(
                    "Inside anything but list, either all values are number or string, mixed type is not supported",
                    at: operand.end)
            }
            return .values(excluded)
        default:
            throw error(Self.notArrayOrValue, at: operand.start)
        }
    }

    /// event-ruler's `CIDR.cidr`, including its refusal of /32 and /128 (its masks must be
    /// below the address width). Java's `split("/")` drops trailing empty strings, hence
    /// `10.0.0.0/` is "one '/' required".
    private func cidr(_ text: String) throws(PatternError) -> CIDRBlock {
        var parts = text.split(separator: "/", omittingEmptySubsequences: false)
        while parts.count > 1, parts.last?.isEmpty == true { parts.removeLast() }
        guard parts.count == 2 else { throw error("Malformed CIDR, one '/' required", at: nil) }
        guard let bits = Int(parts[1]) else { throw error("Malformed CIDR, mask bits must be an integer", at: nil) }
        guard bits >= 0 else { throw error("Malformed CIDR, mask bits must not be negative", at: nil) }
        guard let address = IPAddress.parse(String(parts[0])) else {
            throw error("Nonstandard IP address: \(parts[0])", at: nil)
        }
        if address.count == 4, bits > 31 { throw error("IPv4 mask bits must be < 32", at: nil) }
        if address.count == 16, bits > 127 { throw error("IPv6 mask bits must be < 128", at: nil) }
        return CIDRBlock(address: address, prefixLength: bits)
    }
}
