import Foundation
import Synchronization

/// Data keys an encrypted queue reuses for `KmsDataKeyReusePeriodSeconds`, as SQS does: a key
/// made for one principal sending to one queue (so KMS decides again for another principal),
/// and a key opened for one principal receiving. Past the period, or past `capacity` entries,
/// SQS asks KMS again. Evicted keys are overwritten before they are dropped.
final class DataKeyCache: Sendable {
    struct Entry: Sendable {
        var plaintext: [UInt8]
        var ciphertextBlob: String
        var expires: Date
    }

    private let entries = Mutex<[String: Entry]>([:])
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func get(_ key: String, now: Date) -> Entry? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if entry.expires > now { return entry }
            Self.scrub(&entries, key)
            return nil
        }
    }

    func put(_ key: String, _ entry: Entry, now: Date) {
        entries.withLock { entries in
            if entries.count >= capacity {
                for (name, old) in entries where old.expires <= now { Self.scrub(&entries, name) }
                if entries.count >= capacity, let any = entries.keys.first { Self.scrub(&entries, any) }
            }
            entries[key] = entry
        }
    }

    private static func scrub(_ entries: inout [String: Entry], _ key: String) {
        guard var entry = entries.removeValue(forKey: key) else { return }
        for i in entry.plaintext.indices { entry.plaintext[i] = 0 }
    }
}
