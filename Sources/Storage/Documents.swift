import Foundation
package import SQLKit

/// Records kept as one JSON document per row (keys, grants, users, IAM entities, trails).
package enum Documents {
    /// The JSON text of `value`, keys sorted so that equal records store equal text.
    package static func text<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension SQLRow {
    /// The row's `document` column, decoded.
    package func document<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(try decode(column: "document", as: String.self).utf8))
    }
}
