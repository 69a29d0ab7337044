import AWSProtocol
import Identity
import Testing

@testable import ServiceKit

@Suite struct QueryErrorCodesTests {
    @Test func headerNamesTheQueryCodeAndTheFault() {
        let codes = QueryErrorCodes(["QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue"])
        #expect(codes.header(code: "QueueDoesNotExist", httpStatus: 400) == "AWS.SimpleQueueService.NonExistentQueue;Sender")
        #expect(codes.header(code: "InternalFailure", httpStatus: 500) == "InternalFailure;Receiver")
    }

    @Test func queryAnswersTakeTheQueryCodeAndStatus() {
        let codes = QueryErrorCodes(
            ["OverLimit": "OverLimit", "QueueNameExists": "QueueAlreadyExists"], queryStatuses: ["OverLimit": 403])
        let overLimit = codes.queryError(AWSError(code: "OverLimit", message: "too many"))
        #expect(overLimit.code == "OverLimit" && overLimit.httpStatus == 403 && overLimit.message == "too many")
        let exists = codes.queryError(AWSError(code: "QueueNameExists", message: "m"))
        #expect(exists.code == "QueueAlreadyExists" && exists.httpStatus == 400)
        #expect(codes.queryError(AWSError.internalFailure()).httpStatus == 500)
    }

    @Test func jsonVersionsNameTheirContentTypes() {
        #expect(JSONVersion.version10.contentType == "application/x-amz-json-1.0")
        #expect(JSONVersion.version11.contentType == "application/x-amz-json-1.1")
    }
}

@Suite("The endpoint a handler may name")
struct InvocationEndpointTests {
    func invocation(host: String?, secure: Bool = false) -> Invocation {
        Invocation(
            operation: "GetQueueUrl", input: RequestInput(members: [:]),
            caller: Caller(principal: .root(accountId: "111111111111"), accessKeyId: "AKIATEST", region: "us-east-1"),
            requestId: "r",
            host: host, secure: secure)
    }

    @Test("A plain host and port is kept; anything else a caller could send is not echoed back")
    func hostIsCheckedBeforeUse() {
        #expect(invocation(host: "127.0.0.1:4566").endpoint == "http://127.0.0.1:4566")
        #expect(invocation(host: "sqs.example.test", secure: true).endpoint == "https://sqs.example.test")
        #expect(invocation(host: "[::1]:4566").endpoint == "http://[::1]:4566")
        #expect(invocation(host: nil).endpoint == "http://localhost")
        #expect(invocation(host: "evil.test/\"><x>").endpoint == "http://localhost")
        #expect(invocation(host: "a\r\nb").endpoint == "http://localhost")
        #expect(invocation(host: String(repeating: "a", count: 300)).endpoint == "http://localhost")
    }
}
