import Testing

@testable import ServiceKit

@Suite struct QueryErrorCodesTests {
    @Test func headerNamesTheQueryCodeAndTheFault() {
        let codes = QueryErrorCodes(["QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue"])
        #expect(codes.header(code: "QueueDoesNotExist", httpStatus: 400) == "AWS.SimpleQueueService.NonExistentQueue;Sender")
        #expect(codes.header(code: "InternalFailure", httpStatus: 500) == "InternalFailure;Receiver")
    }

    @Test func jsonVersionsNameTheirContentTypes() {
        #expect(JSONVersion.version10.contentType == "application/x-amz-json-1.0")
        #expect(JSONVersion.version11.contentType == "application/x-amz-json-1.1")
    }
}
