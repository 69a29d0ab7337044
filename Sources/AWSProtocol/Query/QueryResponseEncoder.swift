import Foundation

/// Writes an AWS Query answer from the operation's structured result and the model's output
/// shape: `<XResponse xmlns><XResult>…</XResult><ResponseMetadata><RequestId>`.
///
/// Members go in the model's order, under their `locationName` when the model renames them;
/// lists are `<Name><member>…</member></Name>` (or repeated `<Name>` when flattened, named by
/// the list's member if the model names it), maps are `<entry><key>…</key><value>…</value></entry>`
/// (repeated `<Name><key>…</key><value>…</value></Name>` when flattened); timestamps given as epoch seconds are ISO 8601
/// to the second (a string is written as it is), booleans `true`/`false`, blobs base64 as given.
/// Members the output shape does not have are not written (and stop a debug build).
public struct QueryResponseEncoder: Sendable {
    public let model: ServiceModel
    public let xmlns: String

    public init(model: ServiceModel, xmlns: String) {
        self.model = model
        self.xmlns = xmlns
    }

    /// The whole XML document answering `operation` with `result` (an object, or `.null` for
    /// an operation without output).
    public func encode(operation: String, result: JSONValue, requestId: String) -> [UInt8] {
        var w = XMLWriter()
        w.open("\(operation)Response", xmlns: xmlns)
        w.element(model.resultWrappers[operation] ?? "\(operation)Result") { body in
            guard let name = model.outputs[operation], let shape = model.shapes[name] else { return }
            if case .object(let members) = result { writeMembers(members, of: shape, into: &body) }
        }
        w.element("ResponseMetadata") { $0.element("RequestId", requestId) }
        w.close("\(operation)Response")
        return Array(w.text.utf8)
    }

    private func writeMembers(_ members: [String: JSONValue], of shape: ServiceModel.Shape, into w: inout XMLWriter) {
        let order = shape.memberOrder.isEmpty ? shape.members.keys.sorted() : shape.memberOrder
        assert(members.keys.allSatisfy { shape.members[$0] != nil }, "members the output shape lacks: \(members.keys)")
        for name in order {
            guard let value = members[name], value != .null, let memberShape = shape.members[name].flatMap({ model.shapes[$0] })
            else { continue }
            let element = shape.locationNames[name] ?? name
            write(value, shape: memberShape, as: element, flattened: shape.flattenedMembers.contains(name), into: &w)
        }
    }

    private func write(
        _ value: JSONValue, shape: ServiceModel.Shape, as element: String, flattened: Bool, into w: inout XMLWriter
    ) {
        switch shape.kind {
        case .structure:
            guard case .object(let members) = value else { return }
            w.element(element) { writeMembers(members, of: shape, into: &$0) }
        case .list:
            guard case .array(let items) = value, let itemShape = shape.member.flatMap({ model.shapes[$0] }) else { return }
            if flattened || shape.flattened {
                // Each item under the list member's name if it has one (SQS's `<Message>` for
                // `Messages`), as botocore reads a flattened list; else under the member's.
                for item in items where item != .null {
                    write(item, shape: itemShape, as: shape.memberName ?? element, flattened: false, into: &w)
                }
                return
            }
            let itemName = shape.memberName ?? "member"
            w.element(element) { list in
                for item in items where item != .null {
                    write(item, shape: itemShape, as: itemName, flattened: false, into: &list)
                }
            }
        case .map:
            guard case .object(let entries) = value, let keyShape = shape.key.flatMap({ model.shapes[$0] }),
                let valueShape = shape.value.flatMap({ model.shapes[$0] })
            else { return }
            func writeEntries(_ out: inout XMLWriter, entryName: String) {
                for key in entries.keys.sorted() {
                    guard let entryValue = entries[key], entryValue != .null else { continue }
                    out.element(entryName) { entry in
                        write(.string(key), shape: keyShape, as: shape.keyName ?? "key", flattened: false, into: &entry)
                        write(entryValue, shape: valueShape, as: shape.valueName ?? "value", flattened: false, into: &entry)
                    }
                }
            }
            if flattened || shape.flattened {
                writeEntries(&w, entryName: element)
            } else {
                w.element(element) { writeEntries(&$0, entryName: "entry") }
            }
        case .timestamp:
            if case .string(let text) = value {
                w.element(element, text)
            } else if let seconds = value.doubleValue {
                let text =
                    shape.timestampFormat == "unixTimestamp"
                    ? Self.scalar(.double(seconds)) : Timestamp.iso8601(Date(timeIntervalSince1970: seconds), fractional: false)
                w.element(element, text)
            }
        case .string, .blob, .boolean, .integer, .long, .double, .float:
            w.element(element, Self.scalar(value))
        }
    }

    /// A scalar's text: strings (and base64 blobs) as they are, `true`/`false`, numbers.
    static func scalar(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .null, .array, .object: return nil
        }
    }
}
