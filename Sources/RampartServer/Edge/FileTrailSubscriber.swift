import Audit
import Foundation

/// A trail subscriber that appends each record's event id and name to a file, one line each,
/// and syncs it. For testing the subscriber hook from outside (`serve --dev-trail-subscriber`);
/// no service depends on it.
struct FileTrailSubscriber: TrailSubscriber {
    let path: String
    var name: String { "dev-file" }

    func deliver(_ events: [CloudTrailEvent]) async throws {
        var text = ""
        for event in events { text += "\(event.eventId) \(event.eventName)\n" }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
