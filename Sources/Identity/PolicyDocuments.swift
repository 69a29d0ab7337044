import Foundation

/// Policy documents as text, combined without a policy grammar of their own.
enum PolicyDocuments {
    /// One document holding the statements of `documents` (nil for none): several session
    /// policies (an inline one and managed ones' ARNs) act as one. Sids are dropped, as they need
    /// not be unique across the documents.
    static func combined(_ documents: [String]) -> String? {
        guard documents.count > 1 else { return documents.first }
        var statements: [Any] = []
        for document in documents {
            guard let object = try? JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any] else {
                continue
            }
            let listed = object["Statement"] as? [Any] ?? (object["Statement"].map { [$0] } ?? [])
            for case var statement as [String: Any] in listed {
                statement.removeValue(forKey: "Sid")
                statements.append(statement)
            }
        }
        let combined: [String: Any] = ["Version": "2012-10-17", "Statement": statements]
        guard let data = try? JSONSerialization.data(withJSONObject: combined, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
