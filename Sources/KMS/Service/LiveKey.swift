import Synchronization

extension KeyManagementService {
    /// One key as the service holds it: its record and its unsealed material.
    ///
    /// A value with one shared, copied-on-write box inside, so the key table's slots stay a word
    /// wide (100k keys inline in a dictionary took 85 MB of mostly empty slots) and handing a key
    /// out of the state lock costs one retain, not one per string in its record.
    struct LiveKey: Sendable {
        /// Mutated only while uniquely referenced (`makeUnique`), so sharing it is safe.
        private final class Box: @unchecked Sendable {
            var key: KMSKey
            var materials: HeldMaterials

            init(key: KMSKey, materials: HeldMaterials) {
                self.key = key
                self.materials = materials
            }
        }

        private var box: Box

        init(key: KMSKey, materials: [String: KeyMaterial]) {
            var key = key
            key.policy = Self.sharedText(key.policy)
            box = Box(key: key, materials: HeldMaterials(materials, namedAs: key.materials))
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

        private mutating func makeUnique() {
            if !isKnownUniquelyReferenced(&box) { box = Box(key: box.key, materials: box.materials) }
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

    /// A key's unsealed materials by material id. Nearly every key has one (at most 26: the
    /// original and 25 on-demand rotations, plus automatic ones), so they are a short list
    /// searched in order, not a dictionary of their own.
    struct HeldMaterials: Sendable {
        private var entries: [(id: String, material: KeyMaterial)] = []

        /// `materials`, each id taken from `infos` when it is there, so the id's text is held once.
        init(_ materials: [String: KeyMaterial], namedAs infos: [KeyMaterialInfo]) {
            entries.reserveCapacity(materials.count)
            for (id, material) in materials {
                entries.append((infos.first { $0.materialId == id }?.materialId ?? id, material))
            }
        }

        subscript(id: String) -> KeyMaterial? {
            get { entries.first { $0.id == id }?.material }
            set {
                let index = entries.firstIndex { $0.id == id }
                switch (index, newValue) {
                case (let index?, let material?): entries[index].material = material
                case (let index?, nil): entries.remove(at: index)
                case (nil, let material?): entries.append((id, material))
                case (nil, nil): break
                }
            }
        }
    }
}
