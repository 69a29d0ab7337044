import AWSProtocol
import ServiceKit
import Testing

@Suite("REST-JSON routes")
struct RESTRouteTests {
    let invoke = RESTRoute(method: "POST", template: "/2015-03-31/functions/{FunctionName}/invocations", operation: "Invoke")
    let versions = RESTRoute(method: "GET", template: "/2015-03-31/functions/{FunctionName}/versions", operation: "List")
    let greedy = RESTRoute(method: "GET", template: "/snapshots/{SnapshotId}/blocks/{Key+}", operation: "GetBlock")
    let query = RESTRoute(method: "GET", template: "/2015-03-31/functions/{FunctionName}/policy?Qualifier", operation: "Q")

    @Test func bindsLabelsFromThePath() {
        #expect(
            invoke.match(method: "POST", path: "/2015-03-31/functions/my-fn/invocations", query: "") == ["FunctionName": "my-fn"])
        #expect(invoke.match(method: "GET", path: "/2015-03-31/functions/my-fn/invocations", query: "") == nil)
        #expect(invoke.match(method: "POST", path: "/2015-03-31/functions//invocations", query: "") == nil)
        #expect(invoke.match(method: "POST", path: "/2015-03-31/functions/my-fn/invocations/x", query: "") == nil)
        #expect(versions.match(method: "GET", path: "/2015-03-31/functions/my-fn/invocations", query: "") == nil)
    }

    @Test func decodesPercentEncodedLabels() {
        let arn = "arn:aws:lambda:us-east-1:111111111111:function:f"
        let encoded = "arn%3Aaws%3Alambda%3Aus-east-1%3A111111111111%3Afunction%3Af"
        #expect(
            invoke.match(method: "POST", path: "/2015-03-31/functions/\(encoded)/invocations", query: "")?["FunctionName"] == arn)
    }

    @Test func greedyLabelTakesTheRest() {
        #expect(
            greedy.match(method: "GET", path: "/snapshots/snap-1/blocks/a/b/c", query: "")
                == ["SnapshotId": "snap-1", "Key": "a/b/c"])
    }

    @Test func requiredQueryMembers() {
        #expect(query.match(method: "GET", path: "/2015-03-31/functions/f/policy", query: "") == nil)
        #expect(query.match(method: "GET", path: "/2015-03-31/functions/f/policy", query: "Qualifier=1") == ["FunctionName": "f"])
    }
}

@Suite("Operation tables")
struct OperationTableTests {
    @Test func readOnlyAndChangesFromLists() {
        let table = OperationTable(
            actionPrefix: "sqs", readOnly: ["ReceiveMessage"], changes: ["SendMessage"], data: ["SendMessage"],
            recordedResponse: ["MessageId"])
        #expect(table["ReceiveMessage"] == OperationTraits(action: "sqs:ReceiveMessage", readOnly: true))
        #expect(table["SendMessage"]?.category == .data)
        #expect(table["SendMessage"]?.recordedResponse == ["MessageId"])
        #expect(table["DeleteQueue"] == nil)
        let widened = table.adding(unserved: ["GetQueueUrl", "DeleteQueue", "SendMessage"], actionPrefix: "sqs")
        #expect(widened["GetQueueUrl"]?.readOnly == true)
        #expect(widened["DeleteQueue"]?.readOnly == false)
        // A served operation keeps its own traits.
        #expect(widened["SendMessage"]?.category == .data)
    }
}
