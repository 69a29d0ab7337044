import AWSProtocol

/// What a target receives in place of the matched event: the event itself, a constant
/// (`Input`), part of the event (`InputPath`), or a template filled from it (`InputTransformer`).
/// Pure: the rule's ARN and name are all it needs besides the event.
enum TargetInput: Sendable, Equatable {
    case event
    case constant(String)
    case path(JSONPath)
    case transformer(paths: [String: JSONPath], template: String)

    /// The text the target receives for `event` (its JSON text and value).
    func render(event: JSONValue, eventText: String, ruleArn: String, ruleName: String, ingestionTime: String) -> String {
        switch self {
        case .event:
            return eventText
        case .constant(let text):
            return text
        case .path(let path):
            guard let value = path.select(in: event) else { return "" }
            return String(decoding: value.serialized(), as: UTF8.self)
        case .transformer(let paths, let template):
            var values: [String: JSONValue] = [:]
            for (name, path) in paths { values[name] = path.select(in: event) ?? .null }
            let reserved: [String: (text: String, json: String)] = [
                "aws.events.rule-arn": (ruleArn, JSONValue.string(ruleArn).jsonString),
                "aws.events.rule-name": (ruleName, JSONValue.string(ruleName).jsonString),
                "aws.events.event.ingestion-time": (ingestionTime, JSONValue.string(ingestionTime).jsonString),
                "aws.events.event": (eventText, eventText),
                "aws.events.event.json": (eventText, eventText),
            ]
            return InputTemplate.fill(template) { name, quoted in
                if let value = values[name] {
                    if quoted {
                        // Inside a string: the value as text, escaped so the string stays a string.
                        let text = value.stringValue ?? (value == .null ? "" : value.jsonString)
                        return InputTemplate.escapedForString(text)
                    }
                    return value.jsonString
                }
                if let r = reserved[name] {
                    return quoted ? InputTemplate.escapedForString(r.text) : r.json
                }
                return nil
            }
        }
    }
}

/// AWS's input templates: `<name>` placeholders in a text. A placeholder inside a JSON string
/// (between unescaped double quotes) is replaced by the value as text; outside, by the value as
/// JSON (a string with its quotes, a number, an object). Unknown placeholders stay as written.
enum InputTemplate {
    static func fill(_ template: String, _ value: (_ name: String, _ quoted: Bool) -> String?) -> String {
        var out = ""
        out.reserveCapacity(template.utf8.count)
        var quoted = false
        var escaped = false
        var index = template.startIndex
        while index < template.endIndex {
            let c = template[index]
            if c == "<", let close = template[index...].firstIndex(of: ">") {
                let name = String(template[template.index(after: index)..<close])
                if Self.isPlaceholderName(name), let replacement = value(name, quoted) {
                    out += replacement
                    index = template.index(after: close)
                    escaped = false
                    continue
                }
            }
            if quoted {
                if escaped {
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    quoted = false
                }
            } else if c == "\"" {
                quoted = true
            }
            out.append(c)
            index = template.index(after: index)
        }
        return out
    }

    /// Names an input template may use: InputPathsMap keys (letters, digits, `_`, `-`) and the
    /// reserved `aws.events.*` names.
    static func isPlaceholderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || "_-.".unicodeScalars.contains($0)
            }
    }

    /// `text` as it may stand between the quotes of a JSON string.
    static func escapedForString(_ text: String) -> String {
        let json = JSONValue.string(text).jsonString
        return String(json.dropFirst().dropLast())
    }
}

/// The JSONPath subset EventBridge's InputPath and InputPathsMap take: `$`, then `.name`,
/// `['name']` and `[index]` steps.
struct JSONPath: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case member(String)
        case index(Int)
    }

    let steps: [Step]
    let text: String

    init?(_ text: String) {
        self.text = text
        var chars = Array(text)
        guard chars.first == "$" else { return nil }
        chars.removeFirst()
        var steps: [Step] = []
        var i = 0
        while i < chars.count {
            if chars[i] == "." {
                i += 1
                var name = ""
                while i < chars.count, chars[i] != ".", chars[i] != "[" {
                    name.append(chars[i])
                    i += 1
                }
                guard !name.isEmpty else { return nil }
                steps.append(.member(name))
            } else if chars[i] == "[" {
                guard let close = chars[i...].firstIndex(of: "]") else { return nil }
                let inner = String(chars[(i + 1)..<close])
                if let n = Int(inner), n >= 0 {
                    steps.append(.index(n))
                } else if inner.count >= 2, let q = inner.first, q == "'" || q == "\"", inner.last == q {
                    steps.append(.member(String(inner.dropFirst().dropLast())))
                } else {
                    return nil
                }
                i = close + 1
            } else {
                return nil
            }
        }
        self.steps = steps
    }

    /// The value the path names in `value`, or nil when it names nothing.
    func select(in value: JSONValue) -> JSONValue? {
        var current = value
        for step in steps {
            switch step {
            case .member(let name):
                guard case .object(let members) = current, let next = members[name] else { return nil }
                current = next
            case .index(let n):
                guard case .array(let items) = current, n < items.count else { return nil }
                current = items[n]
            }
        }
        return current
    }
}
