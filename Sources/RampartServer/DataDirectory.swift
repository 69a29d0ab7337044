public import Foundation
import Identity
import IdentityStorage
import KeyVault
public import Logging
import RampartCore
import Storage

/// The data folder: `root.key` (0600), `rampart.sqlite`, `credentials` (0600), in a 0700 folder.
public enum DataDirectory {
    public static let credentialsFileName = "credentials"

    /// Whether `directory` is missing or has nothing in it.
    public static func isEmpty(_ directory: URL) -> Bool {
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return contents.isEmpty
    }

    /// `rampart init`: creates the folder, the root key, the store, the account and its root
    /// access key, and writes the credentials file with profiles `default` and the account id.
    public static func initialize(at directory: URL, accountId: String, logger: Logger) async throws {
        guard IdentityService.isValidAccountId(accountId) else {
            throw RampartError("an account id is 12 digits, not '\(accountId)'")
        }
        let fm = FileManager.default
        if fm.fileExists(atPath: directory.path) {
            guard isEmpty(directory) else {
                throw RampartError("\(directory.path) is not empty: it already holds a Rampart data folder or other files")
            }
        } else {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        guard chmod(directory.path, 0o700) == 0 else { throw RampartError("cannot set the mode of \(directory.path)") }
        let rootKey = try RootKeyFile.create(in: directory)
        let vault = KeyVault(rootKey: rootKey)
        let db = try await RampartDatabase.open(
            path: directory.appendingPathComponent(RampartDatabase.fileName).path, logger: logger)
        do {
            try await db.setMeta("root_key_check", vault.makeCheckValue())
            let identity = IdentityService(store: SQLIdentityStore(database: db), vault: vault, clock: SystemClock())
            let credential = try await identity.createAccount(id: accountId)
            try CredentialsFile.add(
                profiles: ["default", accountId], credential: credential,
                to: directory.appendingPathComponent(credentialsFileName))
            try await db.close()
        } catch {
            try? await db.close()
            throw error
        }
    }

    /// `rampart account create`: another account, added to the credentials file. Safe while a
    /// server serves the folder: SQLite serializes the writers.
    public static func addAccount(at directory: URL, accountId: String, logger: Logger) async throws {
        let (vault, db) = try await open(directory, logger: logger)
        do {
            let identity = IdentityService(store: SQLIdentityStore(database: db), vault: vault, clock: SystemClock())
            let credential = try await identity.createAccount(id: accountId)
            try CredentialsFile.add(
                profiles: [accountId], credential: credential, to: directory.appendingPathComponent(credentialsFileName))
            try await db.close()
        } catch {
            try? await db.close()
            throw error
        }
    }

    /// Opens an initialized folder: checks permissions, the root key, and that the key matches the store.
    static func open(_ directory: URL, logger: Logger) async throws -> (KeyVault, RampartDatabase) {
        let rootKey = try RootKeyFile.load(from: directory)
        let vault = KeyVault(rootKey: rootKey)
        let path = directory.appendingPathComponent(RampartDatabase.fileName).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw RampartError("\(path) is missing: the data folder is incomplete")
        }
        try checkPrivate(directory)
        let db: RampartDatabase
        do {
            db = try await RampartDatabase.open(path: path, logger: logger)
        } catch let error as StorageError {
            throw error
        } catch {
            throw RampartError(Self.explainOpenFailure(path: path, error: error))
        }
        do {
            if let check = try await db.meta("root_key_check") {
                guard vault.verifyCheckValue(check) else {
                    throw RampartError(
                        "the root key in \(directory.path) does not match its store: restore the root.key this store was created with"
                    )
                }
            } else {
                try await db.setMeta("root_key_check", vault.makeCheckValue())
            }
        } catch {
            try? await db.close()
            throw error
        }
        return (vault, db)
    }
}

extension DataDirectory {
    /// What to tell the operator when SQLite cannot open or read the store.
    static func explainOpenFailure(path: String, error: any Error) -> String {
        let what = "\(error)"
        let folder = (path as NSString).deletingLastPathComponent
        if what.contains("notADatabase") || what.contains("corrupt") {
            return "\(path) is damaged (\(what)): restore it, with its root.key, from a backup"
        }
        var stats = statvfs()
        if statvfs(folder, &stats) == 0, stats.f_bavail == 0 {
            return "cannot open \(path): no space left on the disk of \(folder) (\(what)): free some space and start again"
        }
        if access(folder, W_OK) != 0 || (FileManager.default.fileExists(atPath: path) && access(path, W_OK) != 0)
            || what.contains("cantOpen") || what.contains("readonly") || what.contains("ioError")
        {
            return
                "cannot open \(path) for writing (\(what)): the store and its folder must be writable (read-only or immutable disk, no space, or wrong owner?)"
        }
        return "cannot open \(path): \(what)"
    }

    /// The store and the credentials file hold secrets (sealed, and the root secret in the
    /// clear): refuse them open to others, as the folder and root key are.
    static func checkPrivate(_ directory: URL) throws {
        for (name, what) in [(RampartDatabase.fileName, "the store"), (credentialsFileName, "the credentials file")] {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { try FilePermissions.requirePrivate(url, what: what) }
        }
    }
}

/// The AWS shared-credentials file `init` writes (INI, 0600).
enum CredentialsFile {
    static func add(profiles: [String], credential: Credential, to url: URL) throws {
        var text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        for profile in profiles {
            if text.contains("[\(profile)]\n") { continue }
            text +=
                "[\(profile)]\naws_access_key_id = \(credential.accessKeyId)\naws_secret_access_key = \(credential.secretAccessKey)\n\n"
        }
        let temporary = url.appendingPathExtension("tmp")
        _ = FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
        try handle.close()
        guard chmod(temporary.path, 0o600) == 0, rename(temporary.path, url.path) == 0 else {
            throw RampartError("cannot write \(url.path)")
        }
    }
}

/// A failure the operator can act on; the message says what to do.
public struct RampartError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
