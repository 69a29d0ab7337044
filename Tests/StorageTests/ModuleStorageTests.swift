import AWSProtocol
import Audit
import Foundation
import Logging
import RampartCore
import SQLKit
import Storage
import Synchronization
import Testing

@Suite("Storage per module: schema steps, documents, read isolation")
struct ModuleStorageTests {
    static func path() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(RampartDatabase.fileName).path
    }

    static let widgets = [
        SchemaMigration(
            module: "widgets", version: 1, name: "widgets",
            statements: ["CREATE TABLE widgets (id TEXT PRIMARY KEY, size INTEGER NOT NULL)"]),
        SchemaMigration(
            module: "widgets", version: 2, name: "widget-colors",
            statements: ["ALTER TABLE widgets ADD COLUMN color TEXT"]),
    ]

    @Test("A module's steps are numbered by the module, applied once, and refused when newer")
    func moduleSteps() async throws {
        let path = try Self.path()
        // A second module numbering its steps from 1 too: no collision with widgets or the core.
        let gadgets = [
            SchemaMigration(module: "gadgets", version: 1, name: "gadgets", statements: ["CREATE TABLE gadgets (id TEXT)"])
        ]
        var db = try await RampartDatabase.open(path: path, modules: Self.widgets + gadgets, logger: Logger(label: "t"))
        try await db.transaction { sql in
            try await sql.raw("INSERT INTO widgets (id, size, color) VALUES ('w', 3, 'red')").run()
            try await sql.raw("INSERT INTO gadgets (id) VALUES ('g')").run()
        }
        let applied = try await db.sql.raw("SELECT module, version FROM rampart_schema WHERE module != 'core'").all()
        #expect(applied.count == 3)
        try await db.close()
        // Opening again applies nothing twice (an ALTER TABLE run twice would fail).
        db = try await RampartDatabase.open(path: path, modules: Self.widgets + gadgets, logger: Logger(label: "t"))
        try await db.close()
        // A store a newer build wrote (widgets at version 3) is refused, naming the module.
        db = try await RampartDatabase.open(path: path, modules: Self.widgets, logger: Logger(label: "t"))
        try await db.transaction { sql in
            try await sql.raw(
                "INSERT INTO rampart_schema (module, version, name, applied_at) VALUES ('widgets', 3, 'newer', 0)"
            ).run()
        }
        try await db.close()
        await #expect(throws: StorageError.self) {
            _ = try await RampartDatabase.open(path: path, modules: Self.widgets, logger: Logger(label: "t"))
        }
    }

    @Test("A store from before module schemas keeps its steps as the core's")
    func adoptsGlobalVersions() async throws {
        let path = try Self.path()
        var db = try await RampartDatabase.open(path: path, logger: Logger(label: "t"))
        // Make it look like a store written before: the old table with the core's twelve steps.
        try await db.transaction { sql in
            try await sql.raw(
                "CREATE TABLE rampart_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
            ).run()
            try await sql.raw(
                "INSERT INTO rampart_migrations SELECT version, name, applied_at FROM rampart_schema WHERE module = 'core' AND version <= 12"
            ).run()
            try await sql.raw("DELETE FROM rampart_schema").run()
            // ... and without the tables of the steps that came after.
            try await sql.raw("DROP TABLE audit_subscriber_cursors").run()
            try await sql.raw("DROP TABLE rampart_documents").run()
            try await sql.raw("ALTER TABLE audit_trails DROP COLUMN event_selectors").run()
        }
        try await db.close()
        db = try await RampartDatabase.open(path: path, logger: Logger(label: "t"))
        let rows = try await db.sql.raw("SELECT version FROM rampart_schema WHERE module = 'core' ORDER BY version").all()
        let versions = try rows.map { try $0.decode(column: "version", as: Int.self) }
        #expect(versions == Array(1...15))
        #expect(try await db.sql.raw("SELECT name FROM sqlite_master WHERE name = 'rampart_migrations'").first() == nil)
        try await db.close()
    }

    struct Widget: Codable, Sendable, Equatable {
        var name: String
        var size: Int
    }

    @Test("Documents: typed access, no SQL, kept per module, kind, account and region")
    func documents() async throws {
        let db = try await RampartDatabase.open(path: try Self.path(), logger: Logger(label: "t"))
        let widgets = DocumentCollection<Widget>(store: SQLDocumentStore(database: db), module: "widgets", kind: "widget")
        let others = DocumentCollection<Widget>(store: SQLDocumentStore(database: db), module: "gadgets", kind: "widget")
        try await widgets.put(Widget(name: "b", size: 2), accountId: "111111111111", region: "us-east-1", id: "b")
        try await widgets.put(Widget(name: "a", size: 1), accountId: "111111111111", region: "us-east-1", id: "a")
        try await widgets.put(Widget(name: "a", size: 5), accountId: "111111111111", region: "us-east-1", id: "a")
        try await widgets.put(Widget(name: "z", size: 9), accountId: "222222222222", region: "us-east-1", id: "z")
        #expect(try await widgets.get(accountId: "111111111111", region: "us-east-1", id: "a") == Widget(name: "a", size: 5))
        #expect(try await widgets.get(accountId: "111111111111", region: "eu-west-1", id: "a") == nil)
        #expect(try await others.get(accountId: "111111111111", region: "us-east-1", id: "a") == nil)
        #expect(try await widgets.all(accountId: "111111111111", region: "us-east-1").map(\.name) == ["a", "b"])
        #expect(try await widgets.delete(accountId: "111111111111", region: "us-east-1", id: "a"))
        #expect(try await !widgets.delete(accountId: "111111111111", region: "us-east-1", id: "a"))
        #expect(try await widgets.all(accountId: "111111111111", region: "us-east-1").map(\.name) == ["b"])
        try await db.close()
    }

    @Test("A read outside a transaction does not see another call's uncommitted write")
    func readsSeeOnlyCommittedData() async throws {
        let db = try await RampartDatabase.open(path: try Self.path(), logger: Logger(label: "t"))
        let widgets = DocumentCollection<Widget>(store: SQLDocumentStore(database: db), module: "widgets", kind: "widget")
        let written = AsyncGate()
        let read = AsyncGate()
        async let change: Void = db.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO rampart_documents (module, kind, account_id, region, id, document)
                VALUES ('widgets', 'widget', '111111111111', 'us-east-1', 'w', '{"name":"w","size":1}')
                """
            ).run()
            // Written, not committed: another call reads now.
            await written.open()
            await read.wait()
        }
        await written.wait()
        let seen = try await widgets.get(accountId: "111111111111", region: "us-east-1", id: "w")
        await read.open()
        try await change
        #expect(seen == nil)
        // Once committed, it is seen.
        #expect(try await widgets.get(accountId: "111111111111", region: "us-east-1", id: "w") != nil)
        try await db.close()
    }
}

/// A one-shot gate: `wait` returns once `open` has been called.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
