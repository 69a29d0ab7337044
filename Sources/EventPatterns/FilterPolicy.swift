public import AWSProtocol

/// An SNS subscription's filter policy, compiled once. It shares the matchers of event patterns
/// where SNS and EventBridge agree and differs where AWS differs:
/// - attribute scope matches message attributes by name: String as a string, String.Array as an
///   array (any element matches), Number as a number (numeric operators and numeric equality),
///   Binary never; a policy in that scope may not nest objects;
/// - SNS has no `wildcard`, no `prefix`/`suffix` with `equals-ignore-case`, and takes only
///   `prefix` inside `anything-but`;
/// - a policy has at most 5 top-level keys and 150 value combinations, and is at most 256 KB
///   (SNS's "Filter policy constraints" page). That page also documents numbers in
///   [-1e9, 1e9]; AWS is observed to accept up to event-ruler's [-5e9, 5e9], which is what is
///   enforced here, for both products;
/// - errors are SNS's InvalidParameter wording (`Invalid parameter: FilterPolicy: ...`).
public struct FilterPolicy: Sendable {
    public enum Scope: String, Sendable {
        case messageAttributes = "MessageAttributes"
        case messageBody = "MessageBody"
    }

    public let scope: Scope
    let root: PatternNode

    /// SNS's limits ("Amazon SNS message filtering" constraints): keys counted at the top level
    /// only, value combinations over the whole policy, and the policy's size in bytes.
    public static let maximumKeys = 5
    public static let maximumCombinations = 150
    public static let maximumSize = 256 * 1024

    /// Compiles a policy's JSON text; a malformed policy throws SNS's InvalidParameter message.
    public init(json text: String, scope: Scope) throws(PatternError) {
        let compiler = PatternCompiler(dialect: .filterPolicy(scope), source: PatternSource(text: text))
        if text.utf8.count > Self.maximumSize {
            // Wording not confirmed against AWS.
            throw PatternError(prefix: PatternError.snsPrefix, reason: "FilterPolicy: Filter policy is too large")
        }
        let document: PatternJSON
        do {
            document = try PatternJSONReader.read(text)
        } catch {
            throw compiler.error(error.reason, at: error.location)
        }
        try self.init(document: document, scope: scope, compiler: compiler)
    }

    /// Compiles a policy already parsed (messages then carry no location).
    public init(_ value: JSONValue, scope: Scope) throws(PatternError) {
        try self.init(
            document: PatternJSON(value), scope: scope, compiler: PatternCompiler(dialect: .filterPolicy(scope), source: nil))
    }

    private init(document: PatternJSON, scope: Scope, compiler: PatternCompiler) throws(PatternError) {
        if case .object(let members) = document.kind, members.count > Self.maximumKeys {
            throw PatternError(
                prefix: PatternError.snsPrefix, reason: "FilterPolicy: Filter policy can not have more than 5 keys")
        }
        root = try compiler.compile(document)
        if case .object(let members) = document.kind, Self.combinations(members, depth: 1, running: 1) > Self.maximumCombinations
        {
            throw PatternError(prefix: PatternError.snsPrefix, reason: "FilterPolicy: Filter policy is too complex")
        }
        self.scope = scope
    }

    /// SNS's complexity measure, as its constraints page describes it: the product, over the
    /// policy's arrays, of each array's length times the depth of its key; `$or` branches add up.
    private static func combinations(_ members: [PatternJSON.Member], depth: Int, running: Int) -> Int {
        var total = running
        for member in members {
            switch member.value.kind {
            case .object(let inner):
                total = combinations(inner, depth: depth + 1, running: total)
            case .array(let items) where member.key == "$or":
                var sum = 0
                for case .object(let branch) in items.map(\.kind) {
                    sum += combinations(branch, depth: depth, running: total)
                }
                total = sum
            case .array(let items):
                total = total.multipliedReportingOverflow(by: items.count * depth).partialValue
            default:
                continue
            }
            if total > maximumCombinations { return total }
        }
        return total
    }

    /// A message attribute as SNS sees it: its DataType (`String`, `String.Array`, `Number`,
    /// `Binary`, optionally with a custom `.suffix`) and its value.
    public struct Attribute: Sendable {
        public var dataType: String
        public var value: String

        public init(dataType: String, value: String) {
            self.dataType = dataType
            self.value = value
        }
    }

    /// Whether a message with these attributes (scope MessageAttributes) or this body (scope
    /// MessageBody; a body that is not a JSON object matches no policy) passes.
    public func matches(attributes: [String: Attribute], body: String) -> Bool {
        switch scope {
        case .messageBody:
            guard let value = try? JSONParser.parse(Array(body.utf8)), case .object = value else { return false }
            return root.matches(value)
        case .messageAttributes:
            return root.matches(Self.attributeObject(attributes))
        }
    }

    /// Whether an already parsed message body passes (scope MessageBody; for attribute scope,
    /// `body` is ignored and the message has no attributes).
    public func matches(body: JSONValue) -> Bool {
        switch scope {
        case .messageBody:
            guard case .object = body else { return false }
            return root.matches(body)
        case .messageAttributes:
            return root.matches(JSONValue.object([:]))
        }
    }

    /// The attributes as the object the policy is matched against.
    static func attributeObject(_ attributes: [String: Attribute]) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (name, attribute) in attributes {
            let base = attribute.dataType.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
            switch base {
            case "Number":
                object[name] = Double(attribute.value).map(JSONValue.double) ?? .string(attribute.value)
            case "Binary":
                continue
            default:
                if attribute.dataType == "String.Array",
                    let array = try? JSONParser.parse(Array(attribute.value.utf8)), case .array = array
                {
                    object[name] = array
                } else {
                    object[name] = .string(attribute.value)
                }
            }
        }
        return .object(object)
    }
}
