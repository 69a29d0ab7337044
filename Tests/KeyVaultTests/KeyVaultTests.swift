import Crypto
import Foundation
import KeyVault
import Testing

@Suite("Key vault")
struct KeyVaultTests {
    @Test func sealAndOpenBoundToContext() throws {
        let vault = KeyVault(rootKey: SymmetricKey(size: .bits256))
        let sealed = try vault.seal(Array("material".utf8), context: "kms:key:a:material:1")
        #expect(!sealed.contains(subsequence: Array("material".utf8)))
        #expect(try vault.open(sealed, context: "kms:key:a:material:1").copyBytes() == Array("material".utf8))
        #expect(throws: KeyVaultError.authenticationFailed) { try vault.open(sealed, context: "kms:key:b:material:1") }
        let otherVault = KeyVault(rootKey: SymmetricKey(size: .bits256))
        #expect(throws: KeyVaultError.authenticationFailed) { try otherVault.open(sealed, context: "kms:key:a:material:1") }
        var tampered = sealed
        tampered[20] ^= 1
        #expect(throws: KeyVaultError.authenticationFailed) { try vault.open(tampered, context: "kms:key:a:material:1") }
        #expect(throws: KeyVaultError.malformed) { try vault.open([1, 2, 3], context: "x") }
    }

    @Test func checkValueTellsTheRightRootKey() throws {
        let vault = KeyVault(rootKey: SymmetricKey(size: .bits256))
        let check = try vault.makeCheckValue()
        #expect(vault.verifyCheckValue(check))
        #expect(!KeyVault(rootKey: SymmetricKey(size: .bits256)).verifyCheckValue(check))
    }

    @Test func rootKeyFileIsPrivateAndChecked() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-vault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        chmod(dir.path, 0o700)
        let key = try RootKeyFile.create(in: dir)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("root.key").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let loaded = try RootKeyFile.load(from: dir)
        #expect(loaded == key)
        #expect(throws: (any Error).self) { try RootKeyFile.create(in: dir) }
        chmod(dir.appendingPathComponent("root.key").path, 0o644)
        #expect(throws: RootKeyError.self) { try RootKeyFile.load(from: dir) }
        chmod(dir.appendingPathComponent("root.key").path, 0o600)
        chmod(dir.path, 0o755)
        #expect(throws: RootKeyError.self) { try RootKeyFile.load(from: dir) }
    }

    @Test func secretBytesAreZeroedHelpers() {
        var bytes: [UInt8] = [1, 2, 3, 4]
        Zeroize.array(&bytes)
        #expect(bytes == [0, 0, 0, 0])
        let secret = SecretBytes([9, 9, 9])
        #expect(secret.copyBytes() == [9, 9, 9])
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { Array(self[$0..<($0 + subsequence.count)]) == subsequence }
    }
}

@Suite("Scrubbing secrets in place")
struct ZeroizeTests {
    @Test("An optional secret is zeroed in its own storage, not in a copy")
    func optionalIsScrubbedInPlace() {
        var secret: [UInt8]? = Array(repeating: 0xA5, count: 32)
        Zeroize.optional(&secret)
        #expect(secret == Array(repeating: 0, count: 32))
    }

    @Test("Binding first, as the data-key path used to, leaves the secret where it was")
    func bindingScrubsACopy() {
        // The defect this guards against: `if var s = optional { Zeroize.array(&s) }` zeroes a
        // copy, and the original buffer keeps the secret until it is freed.
        let secret: [UInt8]? = Array(repeating: 0xA5, count: 32)
        if var bound = secret { Zeroize.array(&bound) }
        #expect(secret == Array(repeating: 0xA5, count: 32))
    }

    @Test("A scratch buffer's prefix is returned and the scratch zeroed")
    func prefixScrubsTheScratch() {
        var scratch: [UInt8] = [1, 2, 3, 4, 5, 6]
        #expect(Zeroize.prefix(&scratch, count: 4) == [1, 2, 3, 4])
        #expect(scratch == [0, 0, 0, 0, 0, 0])
    }
}
