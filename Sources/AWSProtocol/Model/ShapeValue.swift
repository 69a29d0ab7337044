public import Foundation

/// How generated shapes (`<Service>Shapes.swift`, written by `Scripts/generate-models.py`) read
/// their members from a validated request. Each reader takes the member as it came (nil when
/// absent) and answers nil when it is absent or null; the request validator has already refused
/// values of the wrong type, so nothing here reports an error.
public enum ShapeValue {
    public static func string(_ value: JSONValue?) -> String? { value?.stringValue }

    public static func bool(_ value: JSONValue?) -> Bool? { value?.boolValue }

    public static func int(_ value: JSONValue?) -> Int? { value?.intValue.map(Int.init) }

    public static func double(_ value: JSONValue?) -> Double? { value?.doubleValue }

    /// A base64 blob, decoded.
    public static func blob(_ value: JSONValue?) -> [UInt8]? { value?.stringValue.flatMap(Base64.decode) }

    /// A timestamp: epoch seconds as a number, or an ISO 8601 string.
    public static func date(_ value: JSONValue?) -> Date? {
        guard let value else { return nil }
        if let seconds = value.doubleValue { return Date(timeIntervalSince1970: seconds) }
        return value.stringValue.flatMap(Timestamp.parse)
    }

    public static func enumeration<E: RawRepresentable<String>>(_ value: JSONValue?, _: E.Type) -> E? {
        value?.stringValue.flatMap(E.init(rawValue:))
    }

    public static func structure<S>(_ value: JSONValue?, _ make: ([String: JSONValue]) -> S) -> S? {
        value?.objectValue.map(make)
    }

    /// A list; null elements are skipped.
    public static func list<T>(_ value: JSONValue?, _ element: (JSONValue) -> T?) -> [T]? {
        value?.arrayValue?.compactMap(element)
    }

    /// A map; null values are skipped.
    public static func map<T>(_ value: JSONValue?, _ element: (JSONValue) -> T?) -> [String: T]? {
        value?.objectValue?.compactMapValues(element)
    }
}

/// An error code a service's model declares, with the HTTP status AWS answers it with
/// (generated as `<Service>Shapes.ErrorCode`).
public protocol ModelErrorCode: RawRepresentable<String>, Sendable {
    var httpStatus: Int { get }
}

extension AWSError {
    /// An error with a code from the service's model, and that code's HTTP status.
    public init(_ code: some ModelErrorCode, message: String) {
        self.init(code: code.rawValue, message: message, httpStatus: code.httpStatus)
    }
}

/// A generated output structure (`<Service>Shapes.swift`): an operation's result, or a structure
/// one reaches, with its members under their model names, as the edge encodes it (a JSON body,
/// or Query XML written from the model's output shape) and the trail records it.
public protocol OutputShape: Sendable {
    var jsonValue: JSONValue { get }
}
