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
            if let newValue { byKey[Self.slot(of: newValue), default: []].insert(newValue.aliasName) }
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: KeyManagementService.AliasID) -> KMSAlias? {
        let old = byName.removeValue(forKey: id)
        if let old { unindex(old) }
        return old
    }

    var values: Dictionary<KeyManagementService.AliasID, KMSAlias>.Values { byName.values }

    /// The names of the aliases pointing at the key in `slot` (`KMSKey.slot`), sorted.
    func names(of slot: String) -> [String] { byKey[slot].map { $0.sorted() } ?? [] }

    /// The slot of the key an alias points at: aliases are regional, as the key they name.
    static func slot(of alias: KMSAlias) -> String { KMSKey.slot(keyId: alias.targetKeyId, region: alias.region) }

    private mutating func unindex(_ alias: KMSAlias) {
        let slot = Self.slot(of: alias)
        byKey[slot]?.remove(alias.aliasName)
        if byKey[slot]?.isEmpty == true { byKey[slot] = nil }
    }
}
