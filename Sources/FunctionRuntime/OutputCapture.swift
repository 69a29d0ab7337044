import Foundation

/// The log lines of one invocation, cut from a process's stdout and stderr.
///
/// Each line becomes one event; a line longer than a CloudWatch Logs event can hold is split, as
/// Lambda does. Past `limit` bytes the rest is dropped and one line says so; platform lines
/// (`START`, `END`, `REPORT`, timeouts) are always kept.
struct OutputCapture: Sendable {
    /// CloudWatch Logs' largest event (256 KB) less its 26 bytes of overhead.
    static let maximumLineBytes = 256 * 1024 - 26

    let limit: Int
    private(set) var events: [FunctionLogEvent] = []
    private var capturedBytes = 0
    private var droppedBytes = 0 {
        didSet {
            if oldValue == 0 && droppedBytes > 0 { truncationIndex = events.count }
        }
    }
    /// Where the line saying what was dropped goes: where the dropping began, before later platform lines.
    private var truncationIndex: Int?
    private var partialLines: [[UInt8]] = [[], []]

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(stream: Int, bytes: UnsafeRawBufferPointer, timestamp: Int64) {
        var start = 0
        while start < bytes.count {
            guard capturedBytes < limit else {
                droppedBytes += bytes.count - start
                partialLines = [[], []]
                return
            }
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
            let room = Self.maximumLineBytes - partialLines[stream].count
            let taken = min((newline ?? bytes.count) - start, room)
            partialLines[stream].append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + taken)]))
            start += taken
            if partialLines[stream].count >= Self.maximumLineBytes {
                emitPartial(stream: stream, timestamp: timestamp)
            } else if start == newline {
                emitPartial(stream: stream, timestamp: timestamp)
                start += 1
            }
        }
    }

    private mutating func emitPartial(stream: Int, timestamp: Int64) {
        let line = partialLines[stream]
        partialLines[stream] = []
        // CloudWatch Logs takes no empty events.
        guard !line.isEmpty else { return }
        guard capturedBytes + line.count <= limit else {
            droppedBytes += line.count
            capturedBytes = limit
            return
        }
        capturedBytes += line.count
        events.append(FunctionLogEvent(timestamp: timestamp, message: String(decoding: line, as: UTF8.self)))
    }

    mutating func appendPlatformLine(_ message: String, timestamp: Int64) {
        events.append(FunctionLogEvent(timestamp: timestamp, message: message))
    }

    /// Everything captured so far, unfinished lines included, then starts afresh.
    mutating func take(timestamp: Int64) -> [FunctionLogEvent] {
        for stream in partialLines.indices where !partialLines[stream].isEmpty {
            emitPartial(stream: stream, timestamp: timestamp)
        }
        if droppedBytes > 0 {
            let note = FunctionLogEvent(
                timestamp: events[..<(truncationIndex ?? events.count)].last?.timestamp ?? timestamp,
                message: "Rampart: this invocation's output passed the log limit of \(limit) bytes; "
                    + "\(droppedBytes) more bytes were dropped.")
            events.insert(note, at: min(truncationIndex ?? events.count, events.count))
        }
        defer { self = OutputCapture(limit: limit) }
        return events
    }
}
