/// Writes one JSON object straight into bytes, members given in sorted order by the caller:
/// for hot records whose shape is fixed, without building a `JSONValue` tree first. The output is
/// byte-for-byte what `JSONValue.serialized()` gives for the same object.
public struct JSONObjectWriter {
    private var bytes: [UInt8]
    /// Whether the innermost open object has no member yet.
    private var empty = true
    #if DEBUG
        /// The last key of each open object, to check the caller's order.
        private var lastKeys: [String?] = [nil]
    #endif

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// A writer that continues `buffer`: `finished()` gives the buffer with the object after it.
    public init(appendingTo buffer: consuming [UInt8]) {
        bytes = consume buffer  // moved, not copied: the caller's buffer may be megabytes
        bytes.append(UInt8(ascii: "{"))
    }

    private mutating func key(_ name: String) {
        #if DEBUG
            if let last = lastKeys[lastKeys.count - 1] {
                assert(last.utf8.lexicographicallyPrecedes(name.utf8), "\(name) after \(last)")
            }
            lastKeys[lastKeys.count - 1] = name
        #endif
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        JSONValue.writeString(name, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func string(_ name: String, _ value: String) {
        key(name)
        JSONValue.writeString(value, into: &bytes)
    }

    public mutating func bool(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func value(_ name: String, _ value: JSONValue) {
        key(name)
        value.write(into: &bytes)
    }

    /// A member whose value is an object, written by `build` on this same writer.
    public mutating func object(_ name: String, _ build: (inout JSONObjectWriter) -> Void) {
        key(name)
        nested(build)
    }

    /// A member whose value is an array of `count` objects, the object at each index written by
    /// `build` (not generic over a sequence: called across modules, a generic would look up its
    /// element's type metadata on every call).
    public mutating func objects(_ name: String, count: Int, _ build: (inout JSONObjectWriter, Int) -> Void) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for i in 0..<count {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            nested { build(&$0, i) }
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func nested(_ build: (inout JSONObjectWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        empty = true
        #if DEBUG
            lastKeys.append(nil)
        #endif
        build(&self)
        #if DEBUG
            lastKeys.removeLast()
        #endif
        bytes.append(UInt8(ascii: "}"))
        empty = false
    }

    /// The object's bytes, closed.
    public consuming func finished() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
