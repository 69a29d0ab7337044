public import AWSProtocol
import Foundation
import KeyVault
import RampartCore

/// A new access key with its secret: the only time the secret is shown.
public struct NewAccessKey: Sendable {
    public var record: AccessKeyRecord
    public var secretAccessKey: String
}

extension IAMService {
    public func createAccessKey(accountId: String, userName: String) async throws(AWSError) -> NewAccessKey {
        try await serialized { () async throws(AWSError) -> NewAccessKey in
            _ = try await getUser(accountId: accountId, userName: userName)
            let existing = try await stored { try await self.store.accessKeys(accountId: accountId, userName: userName) }
            guard existing.count < Self.maxAccessKeysPerUser else {
                throw .iamLimitExceeded("Cannot exceed quota for AccessKeysPerUser: \(Self.maxAccessKeysPerUser)")
            }
            let id = IdentityIdentifiers.accessKeyId()
            let secret = IdentityIdentifiers.secretAccessKey()
            let sealed: [UInt8]
            do {
                sealed = try vault.seal(Array(secret.utf8), context: AccessKeyRecord.vaultContext(accessKeyId: id))
            } catch {
                throw .iamServiceFailure()
            }
            let record = AccessKeyRecord(
                accessKeyId: id, accountId: accountId, userName: userName, sealedSecret: sealed, status: .active,
                createDate: clock.now)
            try await stored { try await self.store.putAccessKey(record) }
            return NewAccessKey(record: record, secretAccessKey: secret)
        }
    }

    /// A user's access keys; the root user's own when `userName` is nil (root calls without
    /// UserName, as AWS allows).
    public func listAccessKeys(accountId: String, userName: String?) async throws(AWSError) -> [AccessKeyRecord] {
        if let userName { _ = try await getUser(accountId: accountId, userName: userName) }
        return try await stored { try await self.store.accessKeys(accountId: accountId, userName: userName) }
            .sorted { $0.createDate < $1.createDate }
    }

    func ownedAccessKey(accountId: String, userName: String?, accessKeyId: String) async throws(AWSError) -> AccessKeyRecord {
        guard let key = try await stored({ try await self.store.accessKey(id: accessKeyId) }), key.accountId == accountId,
            key.userName == userName
        else {
            throw .noSuchEntity("The Access Key with id \(accessKeyId) cannot be found.")
        }
        return key
    }

    public func updateAccessKey(
        accountId: String, userName: String?, accessKeyId: String, status: AccessKeyRecord.Status
    )
        async throws(AWSError)
    {
        try await serialized { () async throws(AWSError) -> Void in
            var key = try await ownedAccessKey(accountId: accountId, userName: userName, accessKeyId: accessKeyId)
            key.status = status
            try await stored { try await self.store.putAccessKey(key) }
            identity.invalidate(accessKeyId: accessKeyId)
        }
    }

    public func deleteAccessKey(accountId: String, userName: String?, accessKeyId: String) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            _ = try await ownedAccessKey(accountId: accountId, userName: userName, accessKeyId: accessKeyId)
            try await stored { try await self.store.deleteAccessKey(id: accessKeyId) }
            identity.invalidate(accessKeyId: accessKeyId)
        }
    }
}
