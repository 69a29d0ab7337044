/// One AWS service's API model, trimmed from botocore to what request validation needs:
/// each operation's input shape and every shape's type and constraints; for AWS Query
/// services also the served operations' output shapes and the traits their XML needs.
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
        /// The structure's members in the model's order (output shapes of Query services).
        public var memberOrder: [String] = []
        /// Member name to the XML element name, where the model renames it (`locationName`).
        public var locationNames: [String: String] = [:]
        /// Members whose list or map is written without a wrapping element.
        public var flattenedMembers: Set<String> = []
        /// A list or map written without a wrapping element.
        public var flattened = false
        /// A list's element name (`member` unless the model says otherwise).
        public var memberName: String?
        /// A map's key and value element names (`key` and `value` unless the model says otherwise).
        public var keyName: String?
        public var valueName: String?
        public var timestampFormat: String?
        /// REST services: where members travel other than the JSON body, by member name.
        public var locations: [String: MemberLocation] = [:]
        /// REST services: the member that is the whole body (a blob sent as is, or a structure).
        public var payload: String?
    }

    /// Where a REST member travels (`uri`, `querystring`, `header`, `headers`, `statusCode`) and
    /// its name there (`X-Amz-Invocation-Type`, `MaxItems`).
    public struct MemberLocation: Sendable, Equatable {
        public var location: String
        public var name: String
    }

    /// A REST operation's route and the status of its answer.
    public struct HTTPBinding: Sendable {
        public var method: String
        public var requestURI: String
        public var responseCode: Int
    }

    public let shapes: [String: Shape]
    /// Operation name to input shape name.
    public let operations: [String: String?]
    /// Error code to HTTP status, as the model declares them.
    public let errorStatus: [String: Int]
    /// Operation name to output shape name (Query services, served operations with an output).
    public let outputs: [String: String]
    /// Operation name to the element wrapping its Query result (`<Operation>Result`).
    public let resultWrappers: [String: String]
    /// REST services: each operation's method, URI template and answer status.
    public let http: [String: HTTPBinding]
    /// Whether the front end refuses strings outside a shape's enum (most services). SQS's does
    /// not: it names an unknown attribute itself (`InvalidAttributeName`).
    public var checksEnums = true

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
            shape.memberOrder = s["order"]?.arrayValue?.compactMap(\.stringValue) ?? []
            shape.locationNames = (s["locationNames"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            shape.flattenedMembers = Set(s["flattenedMembers"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            shape.flattened = s["flattened"]?.boolValue ?? false
            shape.memberName = s["memberName"]?.stringValue
            shape.keyName = s["keyName"]?.stringValue
            shape.valueName = s["valueName"]?.stringValue
            shape.timestampFormat = s["timestampFormat"]?.stringValue
            for (member, place) in s["locations"]?.objectValue ?? [:] {
                guard let pair = place.arrayValue, pair.count == 2, let location = pair[0].stringValue,
                    let name = pair[1].stringValue
                else { continue }
                shape.locations[member] = MemberLocation(location: location, name: name)
            }
            shape.payload = s["payload"]?.stringValue
            shapes[name] = shape
        }
        self.shapes = shapes
        var operations: [String: String?] = [:]
        var outputs: [String: String] = [:]
        var resultWrappers: [String: String] = [:]
        var http: [String: HTTPBinding] = [:]
        for (name, o) in root["operations"]?.objectValue ?? [:] {
            if let h = o["http"], let method = h["method"]?.stringValue, let uri = h["requestUri"]?.stringValue {
                http[name] = HTTPBinding(
                    method: method, requestURI: uri, responseCode: h["responseCode"]?.intValue.map(Int.init) ?? 200)
            }
            operations[name] = o["input"]?.stringValue
            outputs[name] = o["output"]?.stringValue
            resultWrappers[name] = o["resultWrapper"]?.stringValue
        }
        self.operations = operations
        self.outputs = outputs
        self.resultWrappers = resultWrappers
        self.http = http
        self.errorStatus = (root["errors"]?.objectValue ?? [:]).compactMapValues { $0.intValue.map(Int.init) }
    }
}
