/// The aliases in memory, by name, with an index by target key: kms:ResourceAliases is asked
/// for on every request that names a key, so it must not scan every alias.
struct AliasTable: Sendable {
    private var byName: [KeyManagementService.AliasID: KMSAlias] = [:]
    private var byKey: [String: Set<String>] = [:]

    subscript(id: KeyManagementService.AliasID) -> KMSAlias? {
        get { byName[id] }
        set {
            if let old = byName[id] { unindex(old) }
            byName[id] = newValue
            if let newValue { byKey[newValue.targetKeyId, default: []].insert(newValue.aliasName) }
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: KeyManagementService.AliasID) -> KMSAlias? {
        let old = byName.removeValue(forKey: id)
        if let old { unindex(old) }
        return old
    }

    var values: Dictionary<KeyManagementService.AliasID, KMSAlias>.Values { byName.values }

    /// The names of the aliases pointing at a key, sorted.
    func names(of keyId: String) -> [String] { byKey[keyId].map { $0.sorted() } ?? [] }

    private mutating func unindex(_ alias: KMSAlias) {
        byKey[alias.targetKeyId]?.remove(alias.aliasName)
        if byKey[alias.targetKeyId]?.isEmpty == true { byKey[alias.targetKeyId] = nil }
    }
}
