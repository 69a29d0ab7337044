import AWSProtocol

/// An SNS subscription's filter policy, compiled once. It shares the matchers of event patterns
/// where SNS and EventBridge agree and differs where AWS differs (attribute scope matches
/// message attributes by name, and String.Array attributes as arrays; SNS's limits on keys and
/// combinations; its own error wording).
public struct FilterPolicy: Sendable {
    public enum Scope: String, Sendable {
        case messageAttributes = "MessageAttributes"
        case messageBody = "MessageBody"
    }

    public let scope: Scope
    let root: PatternNode

    /// Compiles a policy's JSON text; a malformed policy throws SNS's InvalidParameter message.
    public init(json text: String, scope: Scope) throws(PatternError) {
        guard let value = try? JSONParser.parse(Array(text.utf8)), case .object = value else {
            throw PatternError("Invalid parameter: FilterPolicy: failed to parse JSON.")
        }
        self.scope = scope
        do {
            root = try PatternNode(value, path: [])
        } catch {
            throw PatternError("Invalid parameter: FilterPolicy: \(error.message)")
        }
    }

    /// A message attribute as SNS sees it: its DataType (`String`, `String.Array`, `Number`,
    /// `Binary`) and its value.
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
            var object: [String: JSONValue] = [:]
            for (name, attribute) in attributes {
                switch attribute.dataType.split(separator: ".").first {
                case "Number": object[name] = Double(attribute.value).map(JSONValue.double) ?? .string(attribute.value)
                case "Binary": continue
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
            return root.matches(.object(object))
        }
    }
}
