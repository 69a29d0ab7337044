import Testing

@testable import FunctionRuntime

struct OutputCaptureTests {
    func capture(_ chunks: [String], stream: Int = 0, limit: Int = 1 << 20) -> [String] {
        var capture = OutputCapture(limit: limit)
        for chunk in chunks {
            Array(chunk.utf8).withUnsafeBytes { capture.append(stream: stream, bytes: $0, timestamp: 1) }
        }
        return capture.take(timestamp: 2).map(\.message)
    }

    @Test func linesAreCutAtNewlinesAcrossChunks() {
        #expect(capture(["one\ntw", "o\n\nthree"]) == ["one", "two", "three"])
    }

    @Test func streamsKeepTheirOwnUnfinishedLines() {
        var capture = OutputCapture(limit: 1 << 20)
        Array("out".utf8).withUnsafeBytes { capture.append(stream: 0, bytes: $0, timestamp: 1) }
        Array("err\n".utf8).withUnsafeBytes { capture.append(stream: 1, bytes: $0, timestamp: 1) }
        Array("put\n".utf8).withUnsafeBytes { capture.append(stream: 0, bytes: $0, timestamp: 1) }
        #expect(capture.take(timestamp: 2).map(\.message) == ["err", "output"])
    }

    @Test func longLinesAreSplitAtTheEventSize() {
        let line = String(repeating: "a", count: OutputCapture.maximumLineBytes * 2 + 10)
        let lines = capture([line + "\n"])
        #expect(lines.map(\.utf8.count) == [OutputCapture.maximumLineBytes, OutputCapture.maximumLineBytes, 10])
    }

    @Test func outputPastTheLimitIsDroppedWithOneNoteBeforeLaterPlatformLines() {
        var capture = OutputCapture(limit: 10)
        Array("12345\n67890\nabc\ndef\n".utf8).withUnsafeBytes { capture.append(stream: 0, bytes: $0, timestamp: 1) }
        capture.appendPlatformLine("END RequestId: x", timestamp: 2)
        let lines = capture.take(timestamp: 3).map(\.message)
        #expect(lines.count == 4)
        #expect(lines[0] == "12345" && lines[1] == "67890")
        #expect(lines[2].contains("log limit of 10 bytes") && lines[2].contains("8 more bytes"))
        #expect(lines[3] == "END RequestId: x")
        // Taking starts afresh.
        #expect(capture.take(timestamp: 4).isEmpty)
    }

    @Test func exitStatusesReadAsAWSWritesThem() {
        #expect(ExitStatus(waitStatus: 1 << 8).description == "exit status 1")
        #expect(ExitStatus(waitStatus: 9).description == "signal: killed")
        #expect(ExitStatus(waitStatus: 11).description == "signal: segmentation fault")
    }

    @Test func logStreamNamesFollowAWS() throws {
        let name = FunctionRunner.makeLogStreamName(version: "3")
        let pattern = try Regex(#"\d{4}/\d{2}/\d{2}/\[3\][0-9a-f]{32}"#)
        #expect(try pattern.wholeMatch(in: name) != nil, "\(name)")
        #expect(FunctionRunner.runtimeVersion("python3.12") == "python:3.12")
        #expect(FunctionRunner.runtimeVersion("provided.al2023") == "provided:al2023")
    }
}
