public import RampartCore
import Synchronization

/// A `DocumentStore` in memory, for unit tests.
public final class InMemoryDocumentStore: DocumentStore {
    private let rows = Mutex<[DocumentKey: [UInt8]]>([:])

    public init() {}

    public func document(_ key: DocumentKey) async throws -> [UInt8]? {
        rows.withLock { $0[key] }
    }

    public func documents(module: String, kind: String, accountId: String, region: String) async throws -> [StoredDocument] {
        rows.withLock { rows in
            rows.filter {
                $0.key.module == module && $0.key.kind == kind && $0.key.accountId == accountId && $0.key.region == region
            }
            .map { StoredDocument(id: $0.key.id, document: $0.value) }
            .sorted { $0.id < $1.id }
        }
    }

    public func documents(module: String, kind: String) async throws -> [StoredDocument] {
        rows.withLock { rows in
            rows.filter { $0.key.module == module && $0.key.kind == kind }.map {
                StoredDocument(id: $0.key.id, document: $0.value)
            }
        }
    }

    public func put(_ key: DocumentKey, document: [UInt8]) async throws {
        rows.withLock { $0[key] = document }
    }

    public func delete(_ key: DocumentKey) async throws -> Bool {
        rows.withLock { $0.removeValue(forKey: key) != nil }
    }
}
