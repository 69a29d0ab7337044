import AWSProtocol
import Foundation
public import Identity
import Synchronization

/// How a request names a key: key id, key ARN, alias name or alias ARN.
enum KeyReference: Equatable {
    case keyId(String)
    case keyArn(accountId: String, region: String, keyId: String)
    case aliasName(String)
    case aliasArn(accountId: String, region: String, aliasName: String)

    init?(_ text: String) {
        if text.hasPrefix("arn:") {
            guard let arn = ARN(text), arn.service == "kms", IdentityService.isValidAccountId(arn.accountId) else {
                return nil
            }
            if arn.resource.hasPrefix("key/") {
                let id = String(arn.resource.dropFirst(4))
                guard KeyReference.isKeyId(id) else { return nil }
                self = .keyArn(accountId: arn.accountId, region: arn.region, keyId: id.lowercased())
            } else if arn.resource.hasPrefix("alias/"), arn.resource.count > 6 {
                self = .aliasArn(accountId: arn.accountId, region: arn.region, aliasName: arn.resource)
            } else {
                return nil
            }
        } else if text.hasPrefix("alias/") {
            self = .aliasName(text)
        } else if KeyReference.isKeyId(text) {
            self = .keyId(text.lowercased())
        } else {
            return nil
        }
    }

    /// A key id: a UUID, or `mrk-` and 32 hexadecimal digits for a multi-Region key.
    static func isKeyId(_ text: String) -> Bool {
        text.utf8.count == 36 && (UUID(uuidString: text) != nil || MultiRegionRules.isMultiRegionKeyId(text))
    }

    var isAlias: Bool {
        switch self {
        case .aliasName, .aliasArn: return true
        case .keyId, .keyArn: return false
        }
    }
}

extension KeyManagementService {
    /// Finds the key a request names, as AWS does: a bare key id or alias name means the
    /// caller's own account; another account's key is reachable by ARN only; everything is
    /// looked up in the caller's region.
    func resolve(_ text: String, caller: Caller, allowAlias: Bool = true) throws(AWSError) -> LiveKey {
        guard let reference = KeyReference(text), allowAlias || !reference.isAlias else {
            throw .invalidKeyId(text)
        }
        return try state.withLock { state throws(AWSError) -> LiveKey in
            func key(_ accountId: String, _ region: String, _ keyId: String) throws(AWSError) -> LiveKey {
                guard region == caller.region, let live = state.keys[KMSKey.slot(keyId: keyId, region: region)],
                    live.key.accountId == accountId, live.key.region == region
                else {
                    throw .keyNotFound(KMSKey.arn(region: region, accountId: accountId, keyId: keyId))
                }
                return live
            }
            func alias(_ accountId: String, _ region: String, _ name: String) throws(AWSError) -> LiveKey {
                let id = AliasID(accountId: accountId, region: region, name: name)
                guard region == caller.region, let alias = state.aliases[id],
                    let live = state.keys[KMSKey.slot(keyId: alias.targetKeyId, region: region)]
                else {
                    throw .aliasNotFound("arn:aws:kms:\(region):\(accountId):\(name)")
                }
                return live
            }
            switch reference {
            case .keyId(let id): return try key(caller.accountId, caller.region, id)
            case .keyArn(let account, let region, let id): return try key(account, region, id)
            case .aliasName(let name): return try alias(caller.accountId, caller.region, name)
            case .aliasArn(let account, let region, let name): return try alias(account, region, name)
            }
        }
    }
}

extension KeyManagementService {
    /// The ARN of the key a request names, for the audit trail's `resources`; nil when it names
    /// no key the caller's account and region can see. No authorization: it reveals nothing to
    /// the caller, only to the trail of the caller's own account.
    public func keyArn(for reference: String, caller: Caller) -> String? {
        try? resolve(reference, caller: caller).key.arn
    }

    /// The key a grant token names, for the audit trail.
    public func keyArn(forGrantToken token: String) -> String? {
        Self.grant(fromToken: token)?.keyArn
    }
}
