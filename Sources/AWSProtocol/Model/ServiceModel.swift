/// One AWS service's API model, trimmed from botocore to what request validation needs:
/// each operation's input shape and every shape's type and constraints.
public struct ServiceModel: Sendable {
    public struct Shape: Sendable {
        public enum Kind: String, Sendable {
            case structure, list, map, string, integer, long, boolean, blob, timestamp, double, float
        }
        public var kind: Kind
        public var required: [String] = []
        public var members: [String: String] = [:]
        public var member: String?
        public var key: String?
        public var value: String?
        public var min: Int64?
        public var max: Int64?
        public var enumValues: [String]?
        public var pattern: String?
        public var sensitive = false
    }

    public let shapes: [String: Shape]
    /// Operation name to input shape name.
    public let operations: [String: String?]
    /// Error code to HTTP status, as the model declares them.
    public let errorStatus: [String: Int]

    /// Reads the trimmed model written by `Scripts/generate-models.py`.
    public init(json: String) throws {
        let root = try JSONParser.parse(Array(json.utf8), maxDepth: 16)
        var shapes: [String: Shape] = [:]
        for (name, s) in root["shapes"]?.objectValue ?? [:] {
            guard let kindName = s["type"]?.stringValue, let kind = Shape.Kind(rawValue: kindName) else { continue }
            var shape = Shape(kind: kind)
            shape.required = s["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            shape.members = (s["members"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            shape.member = s["member"]?.stringValue
            shape.key = s["key"]?.stringValue
            shape.value = s["value"]?.stringValue
            shape.min = s["min"]?.intValue
            shape.max = s["max"]?.intValue
            shape.enumValues = s["enum"]?.arrayValue?.compactMap(\.stringValue)
            shape.pattern = s["pattern"]?.stringValue
            shape.sensitive = s["sensitive"]?.boolValue ?? false
            shapes[name] = shape
        }
        self.shapes = shapes
        var operations: [String: String?] = [:]
        for (name, o) in root["operations"]?.objectValue ?? [:] {
            operations[name] = o["input"]?.stringValue
        }
        self.operations = operations
        self.errorStatus = (root["errors"]?.objectValue ?? [:]).compactMapValues { $0.intValue.map(Int.init) }
    }
}
