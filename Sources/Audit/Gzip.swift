import CZlib

/// gzip as CloudTrail log files use it (zlib underneath).
public enum Gzip {
    public struct Failure: Error, Sendable {}

    public static func compress(_ input: [UInt8]) throws(Failure) -> [UInt8] {
        try run(input, compressing: true)
    }

    public static func decompress(_ input: [UInt8]) throws(Failure) -> [UInt8] {
        try run(input, compressing: false)
    }

    private static func run(_ input: [UInt8], compressing: Bool) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: gzip wrapper; for inflate, + 32 also accepts zlib.
        let status =
            compressing
            ? deflateInit2_(
                &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size))
            : inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw Failure() }
        defer { if compressing { deflateEnd(&stream) } else { inflateEnd(&stream) } }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        let result: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            while true {
                let code: Int32 = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    return compressing ? deflate(&stream, Z_FINISH) : inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if code == Z_STREAM_END { return Z_STREAM_END }
                if code != Z_OK && code != Z_BUF_ERROR { return code }
                if code == Z_BUF_ERROR && stream.avail_in == 0 && !compressing { return Z_DATA_ERROR }
                if output.count > 512 * 1024 * 1024 { return Z_MEM_ERROR }
            }
        }
        guard result == Z_STREAM_END else { throw Failure() }
        return output
    }
}
