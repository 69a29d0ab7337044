import Foundation

/// Where one JSON document lives: the module and kind of record, its owner's account and
/// region, and its id within them.
public struct DocumentKey: Sendable, Hashable {
    public var module: String
    public var kind: String
    public var accountId: String
    public var region: String
    public var id: String

    public init(module: String, kind: String, accountId: String, region: String, id: String) {
        self.module = module
        self.kind = kind
        self.accountId = accountId
        self.region = region
        self.id = id
    }
}

/// A document as stored, with its id.
public struct StoredDocument: Sendable {
    public var id: String
    public var document: [UInt8]

    public init(id: String, document: [UInt8]) {
        self.id = id
        self.document = document
    }
}

/// "One JSON document per row" persistence, so that a service whose records need no columns of
/// their own writes no SQL: `Storage` keeps it in one shared table, `RampartTestSupport` in
/// memory. Each call commits before it returns.
public protocol DocumentStore: Sendable {
    func document(_ key: DocumentKey) async throws -> [UInt8]?
    /// Every document of a kind in one account and region, by id.
    func documents(module: String, kind: String, accountId: String, region: String) async throws -> [StoredDocument]
    /// Every document of a kind in every account and region (for what a service keeps in view
    /// across accounts, such as which rules want read-only trail records).
    func documents(module: String, kind: String) async throws -> [StoredDocument]
    func put(_ key: DocumentKey, document: [UInt8]) async throws
    /// Removes the document; false when there was none.
    func delete(_ key: DocumentKey) async throws -> Bool
}

/// Typed access to one kind of document: values in, values out, encoded as JSON.
public struct DocumentCollection<Document: Codable & Sendable>: Sendable {
    public let store: any DocumentStore
    public let module: String
    public let kind: String

    public init(store: any DocumentStore, module: String, kind: String) {
        self.store = store
        self.module = module
        self.kind = kind
    }

    private func key(_ accountId: String, _ region: String, _ id: String) -> DocumentKey {
        DocumentKey(module: module, kind: kind, accountId: accountId, region: region, id: id)
    }

    public func get(accountId: String, region: String, id: String) async throws -> Document? {
        guard let bytes = try await store.document(key(accountId, region, id)) else { return nil }
        return try JSONDecoder().decode(Document.self, from: Data(bytes))
    }

    /// Every document of the account and region, ordered by id.
    public func all(accountId: String, region: String) async throws -> [Document] {
        try await store.documents(module: module, kind: kind, accountId: accountId, region: region)
            .sorted { $0.id < $1.id }
            .map { try JSONDecoder().decode(Document.self, from: Data($0.document)) }
    }

    /// Every document of the kind, in every account and region.
    public func everywhere() async throws -> [Document] {
        try await store.documents(module: module, kind: kind)
            .map { try JSONDecoder().decode(Document.self, from: Data($0.document)) }
    }

    public func put(_ document: Document, accountId: String, region: String, id: String) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try await store.put(key(accountId, region, id), document: Array(try encoder.encode(document)))
    }

    @discardableResult
    public func delete(accountId: String, region: String, id: String) async throws -> Bool {
        try await store.delete(key(accountId, region, id))
    }
}
