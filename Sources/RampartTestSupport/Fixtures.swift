import AWSProtocol
import Crypto
public import Identity
public import KMS
public import KeyVault
public import RampartCore

/// Ready-made pieces for unit tests.
public enum Fixtures {
    public static let accountA = "111111111111"
    public static let accountB = "222222222222"

    public static func vault() -> KeyVault { KeyVault(rootKey: SymmetricKey(size: .bits256)) }

    public static func root(_ accountId: String = accountA, region: String = "us-east-1") -> Caller {
        Caller(principal: .root(accountId: accountId), accessKeyId: "AKIATEST\(accountId.prefix(8))", region: region)
    }

    /// A key service on an in-memory store and a manual clock.
    public static func kms(
        clock: ManualClock = ManualClock(), store: InMemoryKeyStore = InMemoryKeyStore(), vault: KeyVault = vault()
    ) -> (KeyManagementService, InMemoryKeyStore, ManualClock) {
        (KeyManagementService(store: store, vault: vault, clock: clock), store, clock)
    }
}

/// The AWS error code `body` throws, or nil if it succeeds: for `#expect(await errorCode { ... } == "...")`.
public func errorCode(_ body: () async throws -> Void) async -> String? {
    do {
        try await body()
        return nil
    } catch let error as AWSError {
        return error.code
    } catch {
        return "\(error)"
    }
}
