import Foundation
import Logging
import Synchronization

/// One line per event on stderr, in swift-log's `StreamLogHandler` format
/// (`<time> <level> <label>: <key=value ...> [<source>] <message>`), written with one `write(2)`.
///
/// Made for the request line every call logs: the local-time prefix is formatted once per
/// second rather than on every line, metadata is written straight into one byte buffer, and no
/// stdio lock or flush is taken. Callers escape what a client sent before it is logged.
struct LineLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var line = [UInt8]()
        line.reserveCapacity(256)
        line += Self.timestamp().utf8
        line.append(0x20)
        line += event.level.rawValue.utf8
        if !label.isEmpty {
            line.append(0x20)
            line += label.utf8
        }
        line.append(UInt8(ascii: ":"))
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line.append(0x20)
            line += key.utf8
            line.append(UInt8(ascii: "="))
            line += value.description.utf8
        }
        line += " [".utf8
        line += event.source.utf8
        line += "] ".utf8
        line += event.message.description.utf8
        line.append(0x0A)
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// The local time, to the second, as StreamLogHandler writes it (`%Y-%m-%dT%H:%M:%S%z`).
    private static let cached = Mutex<(second: time_t, text: String)>((-1, ""))

    static func timestamp() -> String {
        var now = time(nil)
        if let hit = cached.withLock({ $0.second == now ? $0.text : nil }) { return hit }
        var local = tm()
        localtime_r(&now, &local)
        var buffer = [Int8](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        let text = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        cached.withLock { $0 = (now, text) }
        return text
    }
}
