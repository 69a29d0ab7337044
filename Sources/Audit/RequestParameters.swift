public import AWSProtocol

/// What CloudTrail may record of a request or response: its members with camelCase names,
/// minus every blob and every member the model marks sensitive (plaintexts, data keys,
/// ciphertexts, key material, secrets) — never a secret, whatever the operation.
public enum RequestParameters {
    public static func redacted(_ value: JSONValue, shapeName: String?, model: ServiceModel) -> JSONValue? {
        let members = redactedMembers(value, shapeName: shapeName, model: model)
        return members.isEmpty ? nil : .object(members)
    }

    /// The members `redacted` keeps, empty when it keeps none.
    public static func redactedMembers(_ value: JSONValue, shapeName: String?, model: ServiceModel) -> [String: JSONValue] {
        guard case .object(let members) = value else { return [:] }
        let shape = shapeName.flatMap { model.shapes[$0] }
        var out: [String: JSONValue] = [:]
        out.reserveCapacity(members.count)
        for (name, member) in members {
            let memberShape = shape?.members[name].flatMap { model.shapes[$0] }
            guard let cleaned = clean(member, shape: memberShape, model: model) else { continue }
            out[camelCase(name)] = cleaned
        }
        return out
    }

    static func clean(_ value: JSONValue, shape: ServiceModel.Shape?, model: ServiceModel) -> JSONValue? {
        if let shape {
            if shape.sensitive || shape.kind == .blob { return nil }
            switch shape.kind {
            case .structure:
                guard case .object(let members) = value else { return nil }
                var out: [String: JSONValue] = [:]
                for (name, member) in members {
                    if let cleaned = clean(member, shape: shape.members[name].flatMap { model.shapes[$0] }, model: model) {
                        out[camelCase(name)] = cleaned
                    }
                }
                return .object(out)
            case .list:
                guard case .array(let items) = value else { return nil }
                let memberShape = shape.member.flatMap { model.shapes[$0] }
                return .array(items.compactMap { clean($0, shape: memberShape, model: model) })
            case .map:
                guard case .object(let entries) = value else { return nil }
                let valueShape = shape.value.flatMap { model.shapes[$0] }
                return .object(entries.compactMapValues { clean($0, shape: valueShape, model: model) })
            default:
                return value
            }
        }
        // Without a shape, keep only plain scalars: a blob could hide anywhere else.
        switch value {
        case .bool, .int, .double: return value
        case .string(let s) where s.count <= 2048: return value
        default: return nil
        }
    }

    static func camelCase(_ name: String) -> String {
        // AWS lowercases only the first letter: "KeyId" -> "keyId". Model member names are ASCII;
        // the first byte is changed in a copy, without going through Character.
        var utf8 = name.utf8.makeIterator()
        guard let first = utf8.next() else { return name }
        guard first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") else {
            return first < 0x80 ? name : name.prefix(1).lowercased() + name.dropFirst()
        }
        var bytes = Array(name.utf8)
        bytes[0] = first + 32
        return String(decoding: bytes, as: UTF8.self)
    }
}
