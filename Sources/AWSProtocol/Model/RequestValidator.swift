import Foundation

/// Checks a decoded JSON request against its operation's input shape, the way AWS's front end
/// does: wrong JSON types are a SerializationException; missing required members and values
/// outside the model's limits, enums or patterns are one ValidationException listing every
/// violation in AWS's words. Unknown members are ignored.
public struct RequestValidator: Sendable {
    public let model: ServiceModel

    public init(model: ServiceModel) {
        self.model = model
    }

    /// Validates `input` for `operation`; returns the request members on success.
    public func validate(operation: String, input: JSONValue) throws(AWSError) -> RequestInput {
        guard let inputShape = model.operations[operation] else { throw .unknownOperation(operation) }
        guard case .object(let members) = input else {
            throw .serialization("Start of structure or map found where not expected.")
        }
        var violations: [String] = []
        if let inputShape, let shape = model.shapes[inputShape] {
            try checkStructure(members, shape: shape, path: "", violations: &violations)
        }
        if !violations.isEmpty { throw .validation(violations) }
        return RequestInput(members: members)
    }

    private func memberPath(_ parent: String, _ name: String) -> String {
        let lowered = name.prefix(1).lowercased() + name.dropFirst()
        return parent.isEmpty ? lowered : "\(parent).\(lowered)"
    }

    private func checkStructure(
        _ members: [String: JSONValue], shape: ServiceModel.Shape, path: String, violations: inout [String]
    ) throws(AWSError) {
        for name in shape.members.keys.sorted() {
            let childPath = memberPath(path, name)
            let value = members[name]
            if value == nil || value == .null {
                if shape.required.contains(name) {
                    violations.append("Value null at '\(childPath)' failed to satisfy constraint: Member must not be null")
                }
                continue
            }
            guard let childShapeName = shape.members[name], let childShape = model.shapes[childShapeName] else { continue }
            try check(value!, shape: childShape, path: childPath, violations: &violations)
        }
    }

    private func check(_ value: JSONValue, shape: ServiceModel.Shape, path: String, violations: inout [String]) throws(AWSError) {
        func mismatch(_ target: String) -> AWSError {
            .serialization("\(value.kindName) can not be converted to \(target)")
        }
        func describe(_ text: String) -> String {
            shape.sensitive ? "Value at '\(path)'" : "Value '\(text)' at '\(path)'"
        }
        switch shape.kind {
        case .structure:
            guard case .object(let members) = value else { throw mismatch("a structure") }
            try checkStructure(members, shape: shape, path: path, violations: &violations)
        case .list:
            guard case .array(let elements) = value else { throw mismatch("a list") }
            checkLength(Int64(elements.count), shape: shape, subject: "Value at '\(path)'", violations: &violations)
            if let memberName = shape.member, let memberShape = model.shapes[memberName] {
                for (i, element) in elements.enumerated() where element != .null {
                    try check(element, shape: memberShape, path: "\(path).\(i + 1).member", violations: &violations)
                }
            }
        case .map:
            guard case .object(let entries) = value else { throw mismatch("a map") }
            checkLength(Int64(entries.count), shape: shape, subject: "Value at '\(path)'", violations: &violations)
            let keyShape = shape.key.flatMap { model.shapes[$0] }
            let valueShape = shape.value.flatMap { model.shapes[$0] }
            for key in entries.keys.sorted() {
                if let keyShape {
                    var keyViolations: [String] = []
                    try check(.string(key), shape: keyShape, path: path, violations: &keyViolations)
                    if !keyViolations.isEmpty {
                        violations.append(
                            "\(Self.mapSubject(entries, shape: shape, path: path)) failed to satisfy constraint: Map keys must "
                                + "satisfy constraint: [\(keyViolations.map(Self.constraintPart).joined(separator: ", "))]")
                    }
                }
                if let valueShape, let v = entries[key], v != .null {
                    var valueViolations: [String] = []
                    try check(v, shape: valueShape, path: path, violations: &valueViolations)
                    if !valueViolations.isEmpty {
                        violations.append(
                            "\(Self.mapSubject(entries, shape: shape, path: path)) failed to satisfy constraint: Map value must "
                                + "satisfy constraint: [\(valueViolations.map(Self.constraintPart).joined(separator: ", "))]")
                    }
                }
            }
        case .string:
            guard case .string(let s) = value else { throw mismatch("a String") }
            if model.checksEnums, let allowed = shape.enumValues, !allowed.contains(s) {
                violations.append(
                    "\(describe(s)) failed to satisfy constraint: Member must satisfy enum value set: [\(allowed.joined(separator: ", "))]"
                )
                return
            }
            checkLength(Int64(s.unicodeScalars.count), shape: shape, subject: describe(s), violations: &violations)
            if let pattern = shape.pattern, !PatternCache.shared.matches(s, pattern: pattern) {
                violations.append(
                    "\(describe(s)) failed to satisfy constraint: Member must satisfy regular expression pattern: \(pattern)")
            }
        case .integer, .long:
            guard let i = value.intValue, case .int = value else {
                if case .double = value { throw .serialization("NUMBER_VALUE can not be converted to an Integer") }
                throw mismatch("an Integer")
            }
            if shape.kind == .integer, i > Int64(Int32.max) || i < Int64(Int32.min) {
                throw .serialization("NUMBER_VALUE can not be converted to an Integer")
            }
            if let min = shape.min, i < min {
                violations.append(
                    "Value '\(i)' at '\(path)' failed to satisfy constraint: Member must have value greater than or equal to \(min)"
                )
            }
            if let max = shape.max, i > max {
                violations.append(
                    "Value '\(i)' at '\(path)' failed to satisfy constraint: Member must have value less than or equal to \(max)")
            }
        case .double, .float:
            guard value.doubleValue != nil else { throw mismatch("a Double") }
        case .boolean:
            guard case .bool = value else { throw mismatch("a Boolean") }
        case .timestamp:
            guard value.doubleValue != nil || value.stringValue.flatMap(Timestamp.parse) != nil else {
                throw mismatch("a Timestamp")
            }
        case .blob:
            guard case .string(let s) = value else { throw mismatch("a Blob") }
            guard let decodedCount = Base64.decodedCount(s) else {
                throw .serialization("Base64 encoded value at '\(path)' is not valid")
            }
            checkLength(Int64(decodedCount), shape: shape, subject: "Value at '\(path)'", violations: &violations)
        }
    }

    private func checkLength(_ length: Int64, shape: ServiceModel.Shape, subject: String, violations: inout [String]) {
        if let min = shape.min, length < min {
            violations.append("\(subject) failed to satisfy constraint: Member must have length greater than or equal to \(min)")
        }
        if let max = shape.max, length > max {
            violations.append("\(subject) failed to satisfy constraint: Member must have length less than or equal to \(max)")
        }
    }

    /// How AWS's front end names a map in a violation: `Value '{k=v, …}' at 'path'` (as Java
    /// prints a map), or without the value when the model marks it sensitive.
    private static func mapSubject(_ entries: [String: JSONValue], shape: ServiceModel.Shape, path: String) -> String {
        guard !shape.sensitive else { return "Value at '\(path)'" }
        let text = entries.keys.sorted().map { key in
            "\(key)=\(entries[key]?.stringValue ?? entries[key].map { $0.jsonString } ?? "null")"
        }.joined(separator: ", ")
        return "Value '{\(text)}' at '\(path)'"
    }

    private static func constraintPart(_ violation: String) -> String {
        guard let range = violation.range(of: "failed to satisfy constraint: ") else { return violation }
        return String(violation[range.upperBound...])
    }
}

/// Compiled regular expressions for model patterns, shared by every request.
final class PatternCache: @unchecked Sendable {
    static let shared = PatternCache()
    private let lock = NSLock()
    private var compiled: [String: NSRegularExpression?] = [:]

    func matches(_ s: String, pattern: String) -> Bool {
        lock.lock()
        let cached = compiled[pattern]
        lock.unlock()
        let regex: NSRegularExpression?
        if let cached {
            regex = cached
        } else {
            // The whole value must match: alternatives are tried until one spans it all.
            regex = try? NSRegularExpression(pattern: "^(?:\(Self.asciiClasses(pattern)))\\z")
            lock.lock()
            compiled[pattern] = regex
            lock.unlock()
        }
        guard let regex else { return true }  // a pattern we cannot compile constrains nothing
        let range = NSRange(s.startIndex..., in: s)
        return regex.firstMatch(in: s, options: [.anchored], range: range) != nil
    }

    /// AWS matches model patterns as Java does: `\w`, `\d` and `\s` are ASCII classes there,
    /// Unicode ones in ICU. Spells them out, inside character classes or outside.
    static func asciiClasses(_ pattern: String) -> String {
        let spelled: [Character: String] = ["w": "A-Za-z0-9_", "d": "0-9", "s": " \\t\\n\\x0B\\f\\r"]
        var out = ""
        var inClass = false
        var escaped = false
        for c in pattern {
            if escaped {
                escaped = false
                if let set = spelled[c] {
                    out += inClass ? set : "[\(set)]"
                } else {
                    out += "\\\(c)"
                }
                continue
            }
            switch c {
            case "\\": escaped = true
            case "[":
                inClass = true
                out.append(c)
            case "]":
                inClass = false
                out.append(c)
            default: out.append(c)
            }
        }
        if escaped { out += "\\" }
        return out
    }
}
