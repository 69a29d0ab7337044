public import AWSProtocol

/// How a REST-JSON request becomes its operation's input, and its answer an HTTP response, as the
/// model's bindings say: members travel in the URI, the query string, headers, the status code,
/// or the body (as JSON members, or as the whole body when the structure names a `payload`).
public enum RESTBinding {
    /// The routes of `operations` (the served ones), from the model's `http` traits. Routes with
    /// more literal segments come first, so `/functions/{Name}/policy` wins over `{Name+}`.
    public static func routes(_ model: ServiceModel, operations: some Sequence<String>) -> [RESTRoute] {
        operations.compactMap { op in
            model.http[op].map { RESTRoute(method: $0.method, template: $0.requestURI, operation: op) }
        }
        .sorted { literalWeight($0.template) > literalWeight($1.template) }
    }

    private static func literalWeight(_ template: String) -> Int {
        let path = template.split(separator: "?", maxSplits: 1)[0]
        let segments = path.split(separator: "/")
        let literal = segments.filter { !$0.hasPrefix("{") }.count
        return literal * 4 + segments.count + (template.contains("?") ? 2 : 0)
    }

    /// Whether the operation's body is a raw payload (a blob member) rather than JSON.
    public static func takesRawBody(_ model: ServiceModel, operation: String) -> Bool {
        guard let input = model.operations[operation] ?? nil, let shape = model.shapes[input],
            let payload = shape.payload, let target = shape.members[payload]
        else { return false }
        return model.shapes[target]?.kind == .blob
    }

    /// The operation's input document: the JSON body's members (or the payload member), with the
    /// members bound from the URI, the query string and the headers laid over them. Values from
    /// the query string and headers take their member's type (`MaxItems=5` is a number); a value
    /// that does not read as its type is left a string for validation to refuse.
    public static func input(
        _ model: ServiceModel, operation: String, body: JSONValue?, rawBody: [UInt8], uri bound: [String: String],
        query: String, header: (String) -> String?
    ) -> JSONValue {
        guard let inputName = model.operations[operation] ?? nil, let shape = model.shapes[inputName] else {
            return body ?? .object([:])
        }
        var members: [String: JSONValue] = [:]
        if let payload = shape.payload, let target = shape.members[payload] {
            if model.shapes[target]?.kind == .blob {
                if !rawBody.isEmpty { members[payload] = .string(Base64.encode(rawBody)) }
            } else if let body, body != .object([:]) {
                members[payload] = body
            }
        } else if case .object(let sent)? = body {
            // Members bound elsewhere are not read from the body.
            members = sent.filter { shape.locations[$0.key] == nil }
        }
        let parameters = queryParameters(query)
        for (member, location) in shape.locations {
            let target = shape.members[member].flatMap { model.shapes[$0] }
            switch location.location {
            case "uri":
                if let value = bound[location.name] { members[member] = .string(value) }
            case "querystring":
                let values = parameters.filter { $0.0 == location.name }.map(\.1)
                guard let first = values.first else { continue }
                members[member] = target?.kind == .list ? .array(values.map { .string($0) }) : typed(first, target, model)
            case "header":
                if let value = header(location.name) { members[member] = typed(value, target, model) }
            default: continue
            }
        }
        return .object(members)
    }

    /// The answer to a successful call: its status (the model's, or a `statusCode` member's),
    /// the members that travel as headers, and the body (the payload member, or the rest of the
    /// members as JSON).
    public static func answer(
        _ model: ServiceModel, operation: String, result: JSONValue
    ) -> (
        status: Int, headers: [(String, String)], body: [UInt8], contentType: String
    ) {
        var status = model.http[operation]?.responseCode ?? 200
        guard let outputName = model.outputs[operation], let shape = model.shapes[outputName],
            case .object(var members) = result
        else { return (status, [], result.serialized(), "application/json") }
        var headers: [(String, String)] = []
        for (member, location) in shape.locations {
            guard let value = members.removeValue(forKey: member) else { continue }
            switch location.location {
            case "statusCode": status = value.intValue.map(Int.init) ?? status
            case "header": headers.append((location.name, headerText(value)))
            default: continue
            }
        }
        if let payload = shape.payload, let target = shape.members[payload] {
            let value = members[payload]
            if model.shapes[target]?.kind == .blob {
                let bytes = value?.stringValue.flatMap { Base64.decode($0) } ?? []
                return (status, headers, bytes, "application/json")
            }
            return (status, headers, value?.serialized() ?? [], "application/json")
        }
        return (status, headers, JSONValue.object(members).serialized(), "application/json")
    }

    private static func headerText(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .bool(let b): b ? "true" : "false"
        case .double(let d): String(d)
        default: String(decoding: value.serialized(), as: UTF8.self)
        }
    }

    private static func typed(_ text: String, _ shape: ServiceModel.Shape?, _ model: ServiceModel) -> JSONValue {
        switch shape?.kind {
        case .integer?, .long?: Int64(text).map { .int($0) } ?? .string(text)
        case .boolean?:
            switch text.lowercased() {
            case "true": .bool(true)
            case "false": .bool(false)
            default: .string(text)
            }
        case .double?, .float?: Double(text).map { .double($0) } ?? .string(text)
        default: .string(text)
        }
    }

    /// The query string's parameters, percent-decoded, in order (a name may repeat).
    static func queryParameters(_ query: String) -> [(String, String)] {
        query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(String(parts[0]), plusAsSpace: true)
            let value = parts.count > 1 ? PercentDecoding.decode(String(parts[1]), plusAsSpace: true) : ""
            return (name, value)
        }
    }
}
