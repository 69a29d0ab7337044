import AWSProtocol
import Foundation

/// Events waiting for the group commit, packed one after another into a single run of bytes.
///
/// A record waits up to half a second; kept as a `CloudTrailEvent` it would hold a dozen heap
/// objects that long, freed later on another thread. Packed, it is one copy into a buffer that
/// is reused batch after batch, and the store binds its fields straight from the bytes.
public struct AuditEventBatch: Sendable {
    private var bytes: [UInt8] = []
    /// How many events the batch holds.
    public private(set) var count = 0

    public init(reservingBytes capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    public init(_ events: [CloudTrailEvent]) {
        for event in events { append(event) }
    }

    public var isEmpty: Bool { count == 0 }

    /// The bytes the batch takes, to size the next one.
    public var byteCount: Int { bytes.count }

    public mutating func append(_ event: CloudTrailEvent) {
        putFields(
            eventId: event.eventId, accountId: event.accountId, region: event.region, time: event.eventTime,
            readOnly: event.readOnly, eventName: event.eventName, eventSource: event.eventSource, username: event.username,
            accessKeyId: event.accessKeyId, resources: event.resources)
        put(bytes: event.callJSON)
        put(bytes: event.callerJSON)
        count += 1
    }

    /// Appends the record of `call`, byte for byte what `append(CloudTrailEvent(call, eventId:))`
    /// appends, its two JSON parts written straight into the batch.
    public mutating func append(_ call: AuditedCall, eventId: String) {
        putFields(
            eventId: eventId, accountId: call.accountId, region: call.region, time: call.eventTime,
            readOnly: call.readOnly, eventName: call.eventName, eventSource: call.eventSource, username: call.username,
            accessKeyId: call.identity?.accessKeyId, resources: call.resources)
        putJSON { call.writeCallPart(into: &$0) }
        putJSON { call.writeCallerPart(into: &$0) }
        count += 1
    }

    /// An event's fields before its two JSON parts, in the order `Reader.event()` reads them.
    private mutating func putFields(
        eventId: String, accountId: String, region: String, time: Date, readOnly: Bool, eventName: String,
        eventSource: String, username: String?, accessKeyId: String?, resources: [(type: String, name: String)]
    ) {
        put(eventId)
        put(accountId)
        put(region)
        putWord(time.timeIntervalSince1970.bitPattern, bytes: 8)
        bytes.append(readOnly ? 1 : 0)
        put(eventName)
        put(eventSource)
        put(username)
        put(accessKeyId)
        putLength(resources.count)
        for resource in resources {
            put(resource.type)
            put(resource.name)
        }
    }

    /// Appends `other`'s events after this batch's.
    public mutating func append(contentsOf other: AuditEventBatch) {
        bytes.append(contentsOf: other.bytes)
        count += other.count
    }

    /// Calls `body` with each event in order. The event's fields view the batch's bytes and are
    /// valid only during the call.
    public func forEachEvent(_ body: (EncodedAuditEvent) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { raw in
            var reader = Reader(raw: raw)
            for _ in 0..<count { try body(reader.event()) }
        }
    }

    /// The events as values.
    public var events: [CloudTrailEvent] {
        var events: [CloudTrailEvent] = []
        events.reserveCapacity(count)
        forEachEvent { events.append($0.value) }
        return events
    }

    private static let absent = UInt32.max

    private mutating func putLength(_ length: Int) {
        putWord(UInt64(UInt32(length)), bytes: 4)
    }

    /// The low `count` bytes of `word`, little-endian (byte by byte: appending a raw buffer
    /// took the generic, element-at-a-time path).
    private mutating func putWord(_ word: UInt64, bytes count: Int) {
        for i in 0..<count { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * i))) }
    }

    private mutating func put(_ string: String?) {
        guard let string else { return putLength(Int(Self.absent)) }
        putLength(string.utf8.count)
        bytes.append(contentsOf: string.utf8)
    }

    /// A length-prefixed JSON object, written in place and its length filled in after.
    private mutating func putJSON(_ write: (inout JSONObjectWriter) -> Void) {
        let lengthAt = bytes.count
        putLength(0)
        var buffer: [UInt8] = []
        swap(&buffer, &bytes)  // the writer takes the only reference, so it appends without a copy
        var writer = JSONObjectWriter(appendingTo: consume buffer)
        write(&writer)
        bytes = (consume writer).finished()
        let length = UInt32(bytes.count - lengthAt - 4)
        for i in 0..<4 { bytes[lengthAt + i] = UInt8(truncatingIfNeeded: length >> (8 * i)) }
    }

    private mutating func put(bytes field: [UInt8]) {
        putLength(field.count)
        bytes.append(contentsOf: field)
    }

    private struct Reader {
        var raw: UnsafeRawBufferPointer
        var offset = 0

        mutating func event() -> EncodedAuditEvent {
            let eventId = field()
            let accountId = field()
            let region = field()
            let time = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            let readOnly = raw[offset + 8] != 0
            offset += 9
            let eventName = field()
            let eventSource = field()
            let username = optionalField()
            let accessKeyId = optionalField()
            let resourceCount = length()
            let resourcesStart = offset
            for _ in 0..<(2 * resourceCount) { _ = field() }
            let resources = UnsafeRawBufferPointer(rebasing: raw[resourcesStart..<offset])
            return EncodedAuditEvent(
                eventId: eventId, accountId: accountId, region: region, eventTime: time, readOnly: readOnly,
                eventName: eventName, eventSource: eventSource, username: username, accessKeyId: accessKeyId,
                resourceCount: resourceCount, resourceBytes: resources, callJSON: field(), callerJSON: field())
        }

        mutating func length() -> Int {
            defer { offset += 4 }
            return Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        }

        mutating func field() -> UnsafeRawBufferPointer {
            optionalField() ?? UnsafeRawBufferPointer(start: nil, count: 0)
        }

        mutating func optionalField() -> UnsafeRawBufferPointer? {
            let n = length()
            guard n != Int(AuditEventBatch.absent) else { return nil }
            defer { offset += n }
            return UnsafeRawBufferPointer(rebasing: raw[offset..<offset + n])
        }
    }
}

/// One event of an `AuditEventBatch`, its text fields as UTF-8 views into the batch.
public struct EncodedAuditEvent {
    public var eventId: UnsafeRawBufferPointer
    public var accountId: UnsafeRawBufferPointer
    public var region: UnsafeRawBufferPointer
    /// Seconds since 1970.
    public var eventTime: Double
    public var readOnly: Bool
    public var eventName: UnsafeRawBufferPointer
    public var eventSource: UnsafeRawBufferPointer
    public var username: UnsafeRawBufferPointer?
    public var accessKeyId: UnsafeRawBufferPointer?
    public var resourceCount: Int
    fileprivate var resourceBytes: UnsafeRawBufferPointer
    public var callJSON: UnsafeRawBufferPointer
    public var callerJSON: UnsafeRawBufferPointer

    /// Calls `body` with each resource's type and ARN, in order.
    public func forEachResource(
        _ body: (_ type: UnsafeRawBufferPointer, _ name: UnsafeRawBufferPointer) throws -> Void
    )
        rethrows
    {
        var reader = AuditEventBatch.ResourceReader(raw: resourceBytes)
        for _ in 0..<resourceCount {
            let type = reader.next()
            try body(type, reader.next())
        }
    }

    /// The first resource, which the event's own row holds.
    public var firstResource: (type: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer)? {
        guard resourceCount > 0 else { return nil }
        var reader = AuditEventBatch.ResourceReader(raw: resourceBytes)
        let type = reader.next()
        return (type, reader.next())
    }

    /// The event as a value.
    public var value: CloudTrailEvent {
        func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }
        var resources: [(type: String, name: String)] = []
        forEachResource { resources.append((text($0), text($1))) }
        return CloudTrailEvent(
            eventId: text(eventId), eventTime: Date(timeIntervalSince1970: eventTime), eventName: text(eventName),
            eventSource: text(eventSource), accountId: text(accountId), region: text(region), readOnly: readOnly,
            username: username.map(text), accessKeyId: accessKeyId.map(text), resources: resources, callJSON: Array(callJSON),
            callerJSON: Array(callerJSON))
    }
}

extension AuditEventBatch {
    /// Reads a run of length-prefixed fields.
    fileprivate struct ResourceReader {
        var raw: UnsafeRawBufferPointer
        var offset = 0

        mutating func next() -> UnsafeRawBufferPointer {
            let n = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            defer { offset += 4 + n }
            return UnsafeRawBufferPointer(rebasing: raw[(offset + 4)..<(offset + 4 + n)])
        }
    }
}
