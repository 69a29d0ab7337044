import Foundation
public import RampartCore
import SQLKit

/// `TableStore` on the shared SQL database: a module's own tables (made by its migrations),
/// written in transactions that carry the call's audit record, read on the read connection.
public struct SQLTableStore: TableStore {
    private let db: RampartDatabase

    public init(database: RampartDatabase) {
        self.db = database
    }

    public func rows(_ statement: TableStatement) async throws -> [any TableRow] {
        try await db.sql.raw(Self.query(statement)).all().map { Row(row: $0) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any TableTransaction) async throws -> T) async throws -> T {
        try await db.transaction { sql in try await body(Transaction(sql: sql)) }
    }

    struct Transaction: TableTransaction {
        let sql: any SQLDatabase

        func rows(_ statement: TableStatement) async throws -> [any TableRow] {
            try await sql.raw(SQLTableStore.query(statement)).all().map { Row(row: $0) }
        }

        func run(_ statement: TableStatement) async throws {
            try await sql.raw(SQLTableStore.query(statement)).run()
        }
    }

    struct Row: TableRow {
        let row: any SQLRow

        func integer(_ column: String) throws -> Int64? { try row.decode(column: column, as: Int64?.self) }
        func double(_ column: String) throws -> Double? { try row.decode(column: column, as: Double?.self) }
        func text(_ column: String) throws -> String? { try row.decode(column: column, as: String?.self) }
        func blob(_ column: String) throws -> [UInt8]? { try row.decode(column: column, as: Data?.self).map { Array($0) } }
    }

    /// The statement with each `?` outside a quoted literal replaced by its bind.
    static func query(_ statement: TableStatement) -> SQLQueryString {
        var query = SQLQueryString("")
        var literal = ""
        var binds = statement.binds.makeIterator()
        var quoted = false
        for character in statement.text {
            if character == "'" { quoted.toggle() }
            guard character == "?", !quoted else {
                literal.append(character)
                continue
            }
            query.appendLiteral(literal)
            literal = ""
            switch binds.next() ?? .null {
            case .null: query.appendLiteral("NULL")
            case .integer(let v): query.appendInterpolation(bind: v)
            case .double(let v): query.appendInterpolation(bind: v)
            case .text(let v): query.appendInterpolation(bind: v)
            case .blob(let v): query.appendInterpolation(bind: Data(v))
            }
        }
        query.appendLiteral(literal)
        return query
    }
}

extension RampartDatabase {
    /// Applies the services' own schema steps not applied yet (services are built after the
    /// store opens, so their migrations run once their descriptors exist).
    public func migrate(modules: [SchemaMigration]) async throws {
        guard !modules.isEmpty else { return }
        try await Migrations.run(on: self, modules: modules)
    }
}
