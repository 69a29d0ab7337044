public import Foundation

/// The members of a request that passed validation, read with typed accessors.
///
/// Accessors assume validation already checked types and limits, so they do not throw; a
/// member that is absent (or `null`) reads as nil.
public struct RequestInput: Sendable {
    public let members: [String: JSONValue]

    public init(members: [String: JSONValue]) {
        self.members = members
    }

    public func has(_ name: String) -> Bool {
        if let v = members[name], v != .null { return true }
        return false
    }

    public func string(_ name: String) -> String? { members[name]?.stringValue }
    public func int(_ name: String) -> Int? { members[name]?.intValue.map(Int.init) }
    public func bool(_ name: String) -> Bool? { members[name]?.boolValue }

    /// A base64 blob member, decoded.
    public func blob(_ name: String) -> [UInt8]? {
        members[name]?.stringValue.flatMap(Base64.decode)
    }

    public func stringList(_ name: String) -> [String]? {
        members[name]?.arrayValue?.compactMap(\.stringValue)
    }

    public func stringMap(_ name: String) -> [String: String]? {
        members[name]?.objectValue?.compactMapValues(\.stringValue)
    }

    /// A timestamp member: epoch seconds as a number, or an ISO 8601 string.
    public func date(_ name: String) -> Date? {
        guard let v = members[name] else { return nil }
        if let seconds = v.doubleValue { return Date(timeIntervalSince1970: seconds) }
        return v.stringValue.flatMap(Timestamp.parse)
    }

    /// A list of structures, each as its member dictionary.
    public func structureList(_ name: String) -> [[String: JSONValue]]? {
        members[name]?.arrayValue?.compactMap(\.objectValue)
    }
}
