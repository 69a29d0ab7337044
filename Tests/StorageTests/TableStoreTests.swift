import Foundation
import Logging
import RampartCore
import Storage
import Testing

@Suite("A module's own tables through TableStore")
struct TableStoreTests {
    @Test("Migrations applied after open, binds by position, a `?` in a literal left alone, rollback on throw")
    func tables() async throws {
        let db = try await RampartDatabase.open(path: try ModuleStorageTests.path(), logger: Logger(label: "t"))
        try await db.migrate(modules: [
            SchemaMigration(
                module: "things", version: 1, name: "things",
                statements: ["CREATE TABLE things (id TEXT PRIMARY KEY, n BIGINT NOT NULL, note TEXT, score DOUBLE PRECISION)"])
        ])
        // Applying again does nothing (CREATE TABLE twice would fail).
        try await db.migrate(modules: [
            SchemaMigration(module: "things", version: 1, name: "things", statements: ["CREATE TABLE things (id TEXT)"])
        ])
        let tables = SQLTableStore(database: db)
        try await tables.transaction { t in
            try await t.run(
                TableStatement(
                    "INSERT INTO things (id, n, note, score) VALUES (?, ?, ?, ?)",
                    [.text("a'?"), .integer(7), .null, .double(1.5)]))
        }
        let rows = try await tables.rows(TableStatement("SELECT * FROM things WHERE id = ? AND '?' = '?'", [.text("a'?")]))
        #expect(rows.count == 1)
        #expect(try rows[0].integer("n") == 7)
        #expect(try rows[0].text("note") == nil)
        #expect(try rows[0].double("score") == 1.5)
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await tables.transaction { t in
                try await t.run(TableStatement("DELETE FROM things"))
                throw Boom()
            }
        }
        #expect(try await tables.rows(TableStatement("SELECT id FROM things")).count == 1)
        try await db.close()
    }
}
