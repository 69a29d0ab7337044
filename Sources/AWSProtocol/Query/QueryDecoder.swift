/// Turns a Query-protocol request's flat parameters (`UserName=x`, `Tags.member.1.Key=k`,
/// `Attributes.entry.1.key=a`) into the structured value the operation's input shape
/// describes, so the same model-driven validation serves Query and JSON services.
public struct QueryDecoder: Sendable {
    public let model: ServiceModel

    public init(model: ServiceModel) {
        self.model = model
    }

    /// The input of `action` as a JSON object; unknown parameters are ignored.
    public func decode(action: String, request: QueryRequest) throws(AWSError) -> JSONValue {
        guard let entry = model.operations[action] else {
            throw AWSError(code: "InvalidAction", message: "Could not find operation \(action) for this service")
        }
        guard let shapeName = entry, let shape = model.shapes[shapeName] else { return .object([:]) }
        return try structure(shape, prefix: "", params: request.parameters) ?? .object([:])
    }

    private func value(_ shapeName: String, prefix: String, params: [String: String]) throws(AWSError) -> JSONValue? {
        guard let shape = model.shapes[shapeName] else { return nil }
        switch shape.kind {
        case .structure:
            // Only where some parameter lies below: a recursive shape would otherwise never end.
            let below = prefix + "."
            guard params.keys.contains(where: { $0.hasPrefix(below) }) else { return nil }
            return try structure(shape, prefix: below, params: params)
        case .list:
            guard let member = shape.member else { return nil }
            var items: [JSONValue] = []
            var i = 1
            while let item = try value(member, prefix: "\(prefix).member.\(i)", params: params) {
                items.append(item)
                i += 1
            }
            if items.isEmpty, params[prefix] != nil { return .array([]) }  // `Name=` means an empty list
            return items.isEmpty ? nil : .array(items)
        case .map:
            guard let keyShape = shape.key, let valueShape = shape.value else { return nil }
            var entries: [String: JSONValue] = [:]
            var i = 1
            // Members are `key`/`value` unless the model names them (SNS: `Name`/`Value`).
            let keyName = shape.keyName ?? "key"
            let valueName = shape.valueName ?? "value"
            while let key = params["\(prefix).entry.\(i).\(keyName)"] {
                _ = keyShape
                entries[key] = try value(valueShape, prefix: "\(prefix).entry.\(i).\(valueName)", params: params) ?? .null
                i += 1
            }
            return entries.isEmpty ? nil : .object(entries)
        case .string, .blob, .timestamp:
            return params[prefix].map(JSONValue.string)
        case .integer, .long:
            guard let text = params[prefix] else { return nil }
            guard let n = Int64(text) else {
                throw AWSError(code: "ValidationError", message: "Invalid value '\(text)' for \(prefix): it must be an integer")
            }
            return .int(n)
        case .double, .float:
            guard let text = params[prefix] else { return nil }
            guard let d = Double(text) else {
                throw AWSError(code: "ValidationError", message: "Invalid value '\(text)' for \(prefix): it must be a number")
            }
            return .double(d)
        case .boolean:
            guard let text = params[prefix] else { return nil }
            switch text.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default:
                throw AWSError(
                    code: "ValidationError", message: "Invalid value '\(text)' for \(prefix): it must be true or false")
            }
        }
    }

    private func structure(_ shape: ServiceModel.Shape, prefix: String, params: [String: String]) throws(AWSError) -> JSONValue? {
        var members: [String: JSONValue] = [:]
        for (name, memberShape) in shape.members {
            if let v = try value(memberShape, prefix: prefix + name, params: params) { members[name] = v }
        }
        return members.isEmpty && !prefix.isEmpty ? nil : .object(members)
    }
}
