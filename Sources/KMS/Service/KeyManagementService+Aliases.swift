public import AWSProtocol
import Foundation
public import Identity
import ServiceKit
import Synchronization

extension KeyManagementService {
    static let reservedAliasPrefix = "alias/aws/"

    /// AWS refuses a name without the `alias/` prefix as a ValidationException (CreateAlias,
    /// UpdateAlias and DeleteAlias alike); InvalidAliasNameException is for names it reserves.
    static func checkAliasPrefix(_ name: String) throws(AWSError) {
        guard name.hasPrefix("alias/") else { throw .aliasPrefixMissing() }
    }

    static func checkAliasName(_ name: String) throws(AWSError) {
        try checkAliasPrefix(name)
        guard name.count > 6 else {
            throw .invalidAliasName("An alias name needs a name after the prefix \"alias/\".")
        }
        if name.hasPrefix(reservedAliasPrefix) {
            throw .invalidAliasName("Alias names that begin with \"alias/aws/\" are reserved for AWS managed keys.")
        }
    }

    /// Alias operations need the caller's IAM permission on the alias itself, as well as on the key.
    func authorizeAlias(_ action: String, aliasName: String, caller: Caller) throws(AWSError) {
        let request = KMSAccessRequest(
            action: action, key: nil, caller: caller,
            resource: "arn:aws:kms:\(caller.region):\(caller.accountId):\(aliasName)")
        if let denial = authorizer.authorize(request) { throw denial }
    }

    /// The key an alias may point at: one of the caller's own keys, named by key id or ARN.
    func aliasTarget(_ targetKeyId: String, caller: Caller, action: String) throws(AWSError) -> KMSKey {
        let target = try resolve(targetKeyId, caller: caller, allowAlias: false).key
        guard target.accountId == caller.accountId else { throw .keyNotFound(target.arn) }
        try authorize(action, key: target, caller: caller)
        return target
    }

    public func createAlias(aliasName: String, targetKeyId: String, caller: Caller) async throws(AWSError) {
        try Self.checkAliasName(aliasName)
        try await change { () async throws(AWSError) -> Void in
            try authorizeAlias("kms:CreateAlias", aliasName: aliasName, caller: caller)
            let target = try aliasTarget(targetKeyId, caller: caller, action: "kms:CreateAlias")
            CallNotes.current?.acted(on: target.arn)
            try checkState(.createAlias, target)
            let id = AliasID(accountId: caller.accountId, region: caller.region, name: aliasName)
            if state.withLock({ $0.aliases[id] }) != nil {
                throw .alreadyExists(
                    "An alias with the name arn:aws:kms:\(caller.region):\(caller.accountId):\(aliasName) already exists")
            }
            let now = now()
            let alias = KMSAlias(
                accountId: caller.accountId, region: caller.region, aliasName: aliasName, targetKeyId: target.keyId,
                creationDate: now, lastUpdatedDate: now)
            var batch = KeyStoreBatch()
            batch.putAliases = [alias]
            try await persist(batch)
            state.withLock { $0.aliases[id] = alias }
        }
    }

    public func updateAlias(aliasName: String, targetKeyId: String, caller: Caller) async throws(AWSError) {
        try Self.checkAliasPrefix(aliasName)
        try await change { () async throws(AWSError) -> Void in
            let id = AliasID(accountId: caller.accountId, region: caller.region, name: aliasName)
            guard var alias = state.withLock({ $0.aliases[id] }) else {
                throw .aliasNotFound("arn:aws:kms:\(caller.region):\(caller.accountId):\(aliasName)")
            }
            try authorizeAlias("kms:UpdateAlias", aliasName: aliasName, caller: caller)
            // The alias moves off one key and onto another: both must allow it.
            try authorize("kms:UpdateAlias", key: live(slot: AliasTable.slot(of: alias))?.key, caller: caller)
            let target = try aliasTarget(targetKeyId, caller: caller, action: "kms:UpdateAlias")
            CallNotes.current?.acted(on: target.arn)
            try checkState(.updateAlias, target)
            if let current = live(slot: AliasTable.slot(of: alias))?.key,
                current.keyUsage != target.keyUsage || current.keySpec != target.keySpec
            {
                throw .validation(
                    message: "Alias \(aliasName) cannot be changed to point at a key of another type or key usage.")
            }
            alias.targetKeyId = target.keyId
            alias.lastUpdatedDate = now()
            var batch = KeyStoreBatch()
            batch.putAliases = [alias]
            try await persist(batch)
            state.withLock { $0.aliases[id] = alias }
        }
    }

    public func deleteAlias(aliasName: String, caller: Caller) async throws(AWSError) {
        try Self.checkAliasPrefix(aliasName)
        try await change { () async throws(AWSError) -> Void in
            let id = AliasID(accountId: caller.accountId, region: caller.region, name: aliasName)
            guard let alias = state.withLock({ $0.aliases[id] }) else {
                throw .aliasNotFound("arn:aws:kms:\(caller.region):\(caller.accountId):\(aliasName)")
            }
            try authorizeAlias("kms:DeleteAlias", aliasName: aliasName, caller: caller)
            let target = live(slot: AliasTable.slot(of: alias))?.key
            try authorize("kms:DeleteAlias", key: target, caller: caller)
            if let target { CallNotes.current?.acted(on: target.arn) }
            var batch = KeyStoreBatch()
            batch.deleteAliases = [alias]
            try await persist(batch)
            _ = state.withLock { $0.aliases.removeValue(forKey: id) }
        }
    }

    public func listAliases(keyId: String?, limit: Int?, marker: String?, caller: Caller) throws(AWSError) -> Page<KMSAlias> {
        try authorize("kms:ListAliases", key: nil, caller: caller)
        var targetFilter: String?
        if let keyId {
            let target = try resolve(keyId, caller: caller, allowAlias: false).key
            guard target.accountId == caller.accountId else { throw .keyNotFound(target.arn) }
            targetFilter = target.keyId
        }
        let aliases = state.withLock { state in
            state.aliases.values.filter {
                $0.accountId == caller.accountId && $0.region == caller.region
                    && (targetFilter == nil || $0.targetKeyId == targetFilter)
            }
        }
        return try Self.page(aliases.sorted { $0.aliasName < $1.aliasName }, limit: limit, marker: marker, id: \.aliasName)
    }

    /// The aliases that point at a key.
    func aliases(of key: KMSKey) -> [KMSAlias] {
        state.withLock { $0.aliases.values.filter { $0.targetKeyId == key.keyId && $0.region == key.region } }
    }
}
