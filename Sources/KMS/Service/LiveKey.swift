import Synchronization

extension KeyManagementService {
    /// One key as the service holds it: its record, its unsealed material and its last use.
    ///
    /// A value with one shared, copied-on-write box inside, so the key table's slots stay a word
    /// wide (100k keys inline in a dictionary took 85 MB of mostly empty slots) and handing a key
    /// out of the state lock costs one retain, not one per string in its record.
    struct LiveKey: Sendable {
        /// `key` and `materials` are mutated only while the box is uniquely referenced
        /// (`makeUnique`), so sharing it is safe; `usage` has a lock of its own.
        private final class Box: @unchecked Sendable {
            var key: KMSKey
            var materials: HeldMaterials
            let usage: Mutex<UsageSlot>

            init(key: KMSKey, materials: HeldMaterials, usage: UsageSlot) {
                self.key = key
                self.materials = materials
                self.usage = Mutex(usage)
            }
        }

        /// The last cryptographic use, and whether it still has to be written to the store.
        struct UsageSlot: Sendable {
            var last: KeyLastUsage?
            var unwritten = false
        }

        private var box: Box

        /// The key's last usage moves out of its record into the key's own slot: it changes on
        /// every cryptographic call, which must neither copy the record nor count as a key change.
        init(key: KMSKey, materials: [String: KeyMaterial]) {
            var key = key
            key.policy = Self.sharedText(key.policy)
            let usage = UsageSlot(last: key.lastUsage)
            key.lastUsage = nil
            box = Box(key: key, materials: HeldMaterials(materials, namedAs: key.materials), usage: usage)
        }

        var key: KMSKey {
            _read { yield box.key }
            _modify {
                makeUnique()
                yield &box.key
            }
        }

        /// Unsealed material by material id.
        var materials: HeldMaterials {
            _read { yield box.materials }
            _modify {
                makeUnique()
                yield &box.materials
            }
        }

        var lastUsage: KeyLastUsage? { box.usage.withLock { $0.last } }

        /// Notes a cryptographic use. True when the key had no unwritten use before, so the
        /// caller queues it for the next write.
        func noteUsage(_ usage: KeyLastUsage) -> Bool {
            box.usage.withLock { slot in
                defer { slot = UsageSlot(last: usage, unwritten: true) }
                return !slot.unwritten
            }
        }

        /// The last use, to write now: it no longer counts as unwritten.
        func takeUsageToWrite() -> KeyLastUsage? {
            box.usage.withLock { slot in
                slot.unwritten = false
                return slot.last
            }
        }

        /// A use noted on the old box while it is copied goes with the old box: last usage may
        /// then be one call behind, never wrong about an earlier call.
        private mutating func makeUnique() {
            if !isKnownUniquelyReferenced(&box) {
                box = Box(key: box.key, materials: box.materials, usage: box.usage.withLock { $0 })
            }
        }

        /// Most keys of an account carry the same (default) key policy: they share one copy of
        /// its text instead of holding ~600 bytes each. Bounded, for accounts whose keys all differ.
        static func sharedText(_ text: String) -> String {
            policyTexts.withLock { table in
                if let shared = table[text] { return shared }
                if table.count < 1_000 { table[text] = text }
                return text
            }
        }

        private static let policyTexts = Mutex<[String: String]>([:])
    }

    /// A key's unsealed materials by material id. Nearly every key has one (rotated keys have
    /// more), so the first is held inline and the others in a short list searched in order.
    struct HeldMaterials: Sendable {
        private var first: (id: String, material: KeyMaterial)?
        private var others: [(id: String, material: KeyMaterial)] = []

        /// `materials`, each id taken from `infos` when it is there, so the id's text is held once.
        init(_ materials: [String: KeyMaterial], namedAs infos: [KeyMaterialInfo]) {
            for (id, material) in materials {
                self[infos.first { $0.materialId == id }?.materialId ?? id] = material
            }
        }

        subscript(id: String) -> KeyMaterial? {
            get {
                if let first, first.id == id { return first.material }
                return others.first { $0.id == id }?.material
            }
            set {
                if let current = first, current.id == id {
                    if let newValue {
                        first = (id, newValue)
                    } else {
                        first = others.isEmpty ? nil : others.removeFirst()
                    }
                } else if let index = others.firstIndex(where: { $0.id == id }) {
                    if let newValue { others[index].material = newValue } else { others.remove(at: index) }
                } else if let newValue {
                    if first == nil { first = (id, newValue) } else { others.append((id, newValue)) }
                }
            }
        }
    }
}
