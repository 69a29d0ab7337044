import AWSProtocol

/// A REST-JSON operation's place: its HTTP method and its URI template from the model
/// (`/2015-03-31/functions/{FunctionName}/invocations`, with `{Name+}` taking the rest of the
/// path), optionally with a query string that must be present (`?versions`).
public struct RESTRoute: Sendable, Hashable {
    public var method: String
    public var template: String
    public var operation: String

    public init(method: String, template: String, operation: String) {
        self.method = method
        self.template = template
        self.operation = operation
    }

    /// The URI members bound from `path` (percent-decoded), or nil when the route does not match.
    public func match(method: String, path: String, query: String) -> [String: String]? {
        guard method == self.method else { return nil }
        let (templatePath, requiredQuery) = Self.split(template)
        if let requiredQuery {
            let present = Set(query.split(separator: "&").map { String($0.split(separator: "=", maxSplits: 1)[0]) })
            for name in requiredQuery.split(separator: "&") where !present.contains(String(name.split(separator: "=")[0])) {
                return nil
            }
        }
        let want = templatePath.split(separator: "/", omittingEmptySubsequences: false)
        let have = path.split(separator: "/", omittingEmptySubsequences: false)
        var bound: [String: String] = [:]
        var i = 0
        for (n, segment) in want.enumerated() {
            if segment.hasPrefix("{") && segment.hasSuffix("+}") {
                guard i < have.count else { return nil }
                let name = String(segment.dropFirst().dropLast(2))
                bound[name] = Self.decode(have[i...].joined(separator: "/"))
                return n == want.count - 1 ? bound : nil
            }
            guard i < have.count else { return nil }
            if segment.hasPrefix("{") && segment.hasSuffix("}") {
                guard !have[i].isEmpty else { return nil }
                bound[String(segment.dropFirst().dropLast())] = Self.decode(String(have[i]))
            } else if segment != have[i] {
                return nil
            }
            i += 1
        }
        return i == have.count ? bound : nil
    }

    private static func split(_ template: String) -> (String, String?) {
        guard let mark = template.firstIndex(of: "?") else { return (template, nil) }
        return (String(template[..<mark]), String(template[template.index(after: mark)...]))
    }

    static func decode(_ text: String) -> String {
        PercentDecoding.decode(text, plusAsSpace: false)
    }
}
