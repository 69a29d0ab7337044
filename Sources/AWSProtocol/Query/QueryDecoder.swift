/// Turns a Query-protocol request's flat parameters (`UserName=x`, `Tags.member.1.Key=k`,
/// `Attributes.entry.1.key=a`, SQS's flattened `Attribute.1.Name=a`) into the structured value
/// the operation's input shape describes, so the same model-driven validation serves Query and
/// JSON services. Parameters are named as botocore's Query serializer names them: a member's
/// `locationName`, flattened lists and maps without `member`/`entry`.
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

    /// The value of `shapeName` whose parameters are named `path` (`Attribute`, `Tags.member.1`);
    /// `flattened` when the structure holding it marks the member so.
    private func value(
        _ shapeName: String, path: String, flattened: Bool = false, params: [String: String]
    ) throws(AWSError) -> JSONValue? {
        guard let shape = model.shapes[shapeName] else { return nil }
        switch shape.kind {
        case .structure:
            // Only where some parameter lies below: a recursive shape would otherwise never end.
            let below = path + "."
            guard params.keys.contains(where: { $0.hasPrefix(below) }) else { return nil }
            return try structure(shape, prefix: below, params: params)
        case .list:
            guard let member = shape.member else { return nil }
            // `Names.member.N`; flattened, `Names.N`, or with the member's own name in place of the
            // list's (SQS's `AttributeName.N` for `AttributeNames`), as botocore writes them.
            let items =
                flattened || shape.flattened
                ? Self.renamingLast(of: path, to: shape.memberName) : "\(path).\(shape.memberName ?? "member")"
            var values: [JSONValue] = []
            var i = 1
            while let item = try value(member, path: "\(items).\(i)", params: params) {
                values.append(item)
                i += 1
            }
            if values.isEmpty, params[path] != nil { return .array([]) }  // `Name=` means an empty list
            return values.isEmpty ? nil : .array(values)
        case .map:
            guard let valueShape = shape.value else { return nil }
            var entries: [String: JSONValue] = [:]
            var i = 1
            // `Name.entry.N.key`; flattened, `Name.N.key`. The members are `key`/`value` unless the
            // model names them (SNS's and SQS's `Name`/`Value`, SQS's tags' `Key`/`Value`).
            let base = flattened || shape.flattened ? path : path + ".entry"
            let keyName = shape.keyName ?? "key"
            let valueName = shape.valueName ?? "value"
            while let key = params["\(base).\(i).\(keyName)"] {
                entries[key] = try value(valueShape, path: "\(base).\(i).\(valueName)", params: params) ?? .null
                i += 1
            }
            return entries.isEmpty ? nil : .object(entries)
        case .string, .blob, .timestamp:
            return params[path].map(JSONValue.string)
        case .integer, .long:
            guard let text = params[path] else { return nil }
            guard let n = Int64(text) else {
                throw .validation(message: "Invalid value '\(text)' for \(path): it must be an integer")
            }
            return .int(n)
        case .double, .float:
            guard let text = params[path] else { return nil }
            guard let d = Double(text) else {
                throw .validation(message: "Invalid value '\(text)' for \(path): it must be a number")
            }
            return .double(d)
        case .boolean:
            guard let text = params[path] else { return nil }
            switch text.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default:
                throw .validation(message: "Invalid value '\(text)' for \(path): it must be true or false")
            }
        }
    }

    /// `A.B.Names` with its last part renamed (`A.B.Name`), or as it is when `name` is nil.
    private static func renamingLast(of path: String, to name: String?) -> String {
        guard let name else { return path }
        guard let dot = path.lastIndex(of: ".") else { return name }
        return String(path[...dot]) + name
    }

    private func structure(_ shape: ServiceModel.Shape, prefix: String, params: [String: String]) throws(AWSError) -> JSONValue? {
        var members: [String: JSONValue] = [:]
        for (name, memberShape) in shape.members {
            let path = prefix + (shape.locationNames[name] ?? name)
            if let v = try value(memberShape, path: path, flattened: shape.flattenedMembers.contains(name), params: params) {
                members[name] = v
            }
        }
        return members.isEmpty && !prefix.isEmpty ? nil : .object(members)
    }
}
