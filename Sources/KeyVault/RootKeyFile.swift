public import Crypto
public import Foundation

/// The root key as a file in the data folder: 32 random bytes, mode 0600, in a folder of mode
/// 0700. (An HSM will take its place later; nothing else reads the file.)
public enum RootKeyFile {
    public static let fileName = "root.key"

    /// Creates the root key file; fails if one exists.
    public static func create(in directory: URL) throws -> SymmetricKey {
        let path = directory.appendingPathComponent(fileName).path
        let key = SymmetricKey(size: .bits256)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw RootKeyError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = key.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == 32, fsync(fd) == 0 else { throw RootKeyError("cannot write \(path)") }
        return key
    }

    /// Loads the root key, refusing a file or folder that others can read.
    public static func load(from directory: URL) throws -> SymmetricKey {
        try FilePermissions.requirePrivate(directory, what: "the data folder")
        let url = directory.appendingPathComponent(fileName)
        try FilePermissions.requirePrivate(url, what: "the root key file")
        var data = try Data(contentsOf: url)
        defer { data.resetBytes(in: 0..<data.count) }
        guard data.count == 32 else {
            throw RootKeyError("\(url.path) is \(data.count) bytes, not 32: it is not a Rampart root key")
        }
        return SymmetricKey(data: data)
    }
}

/// Permission checks for the data folder's files.
public enum FilePermissions {
    /// Throws unless `url` exists and grants nothing to group or others.
    public static func requirePrivate(_ url: URL, what: String) throws {
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw RootKeyError("\(what) \(url.path) does not exist") }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw RootKeyError(
                "\(what) \(url.path) has mode \(String(mode, radix: 8)): it must not be accessible to group or others; run chmod go-rwx on it"
            )
        }
    }
}

public struct RootKeyError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
