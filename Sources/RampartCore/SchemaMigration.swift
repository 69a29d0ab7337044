/// One step of a module's schema, applied once, in version order, when the store opens.
///
/// Steps are kept by module and version, so two services never collide on a number: a new
/// service numbers its own steps from 1. A store whose newest step of a module is beyond the
/// ones this build knows was written by a newer Rampart and is refused rather than guessed at.
public struct SchemaMigration: Sendable, Hashable {
    /// The module that owns the tables, e.g. `kms` or `events`.
    public var module: String
    public var version: Int
    public var name: String
    /// Portable SQL (SQLite and PostgreSQL alike), run in one transaction.
    public var statements: [String]

    public init(module: String, version: Int, name: String, statements: [String]) {
        self.module = module
        self.version = version
        self.name = name
        self.statements = statements
    }
}
