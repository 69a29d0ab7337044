/// A value bound into, or read from, a module's own tables.
public enum TableValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

/// One portable SQL statement (SQLite and PostgreSQL alike) with `?` placeholders, bound in order.
public struct TableStatement: Sendable {
    public var text: String
    public var binds: [TableValue]

    public init(_ text: String, _ binds: [TableValue] = []) {
        self.text = text
        self.binds = binds
    }
}

/// A row a statement returned; columns are read by name and type.
public protocol TableRow: Sendable {
    func integer(_ column: String) throws -> Int64?
    func double(_ column: String) throws -> Double?
    func text(_ column: String) throws -> String?
    func blob(_ column: String) throws -> [UInt8]?
}

/// Work inside one transaction of a module's tables.
public protocol TableTransaction: Sendable {
    func rows(_ statement: TableStatement) async throws -> [any TableRow]
    func run(_ statement: TableStatement) async throws
}

/// The tables a module created with its own `SchemaMigration`s, for records that need columns
/// and indexes of their own (a queue's messages, read by visibility time), so that a service
/// module keeps its SQL in its own folder. `Storage` implements it on the shared database: a
/// transaction commits before it returns and carries the call's audit record, as every change
/// does; `rows` outside a transaction sees committed data only.
public protocol TableStore: Sendable {
    func rows(_ statement: TableStatement) async throws -> [any TableRow]
    func transaction<T: Sendable>(_ body: @Sendable (any TableTransaction) async throws -> T) async throws -> T
}
