import AWSProtocol
import Foundation
import ServiceKit
import Testing

@testable import SQS

/// SQS's Query protocol as the edge reads and writes it from the generated model: parameters
/// named as botocore's Query serializer names them (the Query model of botocore 1.34 is the
/// contract), answers in the XML botocore's Query parser reads.
@Suite("SQS Query protocol: requests and answers")
struct SQSQueryProtocolTests {
    static let model = SQSModule.modelAsServed

    /// The validated input of `action` from form parameters (`Name=value`, each encoded).
    static func input(_ action: String, _ parameters: String...) throws -> RequestInput {
        let form = parameters.joined(separator: "&")
        let document = try QueryDecoder(model: model).decode(action: action, request: QueryRequest(formEncoded: form))
        return try RequestValidator(model: model).validate(operation: action, input: document)
    }

    static func xml(_ operation: String, _ result: JSONValue) -> String {
        let body = QueryResponseEncoder(model: model, xmlns: SQSModule.xmlns).encode(
            operation: operation, result: result, requestId: "rid")
        return String(decoding: body, as: UTF8.self)
    }

    @Test("SendMessage: flattened MessageAttribute.N with Name and Value, binary values in base64")
    func sendMessage() throws {
        let form = [
            "Action=SendMessage", "Version=2012-11-05", "QueueUrl=http%3A%2F%2Fh%2F111111111111%2Fq", "MessageBody=hi+there",
            "DelaySeconds=5", "MessageAttribute.1.Name=city", "MessageAttribute.1.Value.DataType=String",
            "MessageAttribute.1.Value.StringValue=Any+City", "MessageAttribute.2.Name=blob",
            "MessageAttribute.2.Value.DataType=Binary", "MessageAttribute.2.Value.BinaryValue=AAEC",
            "MessageSystemAttribute.1.Name=AWSTraceHeader", "MessageSystemAttribute.1.Value.DataType=String",
            "MessageSystemAttribute.1.Value.StringValue=Root%3D1-5759e988-bd862e3fe1be46a994272793",
        ]
        let request = SQSShapes.SendMessageRequest(try Self.input("SendMessage", form.joined(separator: "&")))
        #expect(request.queueUrl == "http://h/111111111111/q")
        #expect(request.messageBody == "hi there")
        #expect(request.delaySeconds == 5)
        #expect(request.messageAttributes?["city"]?.stringValue == "Any City")
        #expect(request.messageAttributes?["blob"]?.binaryValue == [0, 1, 2])
        #expect(request.messageSystemAttributes?["AWSTraceHeader"]?.stringValue == "Root=1-5759e988-bd862e3fe1be46a994272793")
    }

    @Test("CreateQueue's Attribute.N.Name/Value and Tag.N.Key/Value")
    func createQueue() throws {
        let request = SQSShapes.CreateQueueRequest(
            try Self.input(
                "CreateQueue", "QueueName=q", "Attribute.1.Name=VisibilityTimeout", "Attribute.1.Value=40",
                "Attribute.2.Name=DelaySeconds", "Attribute.2.Value=3", "Tag.1.Key=team", "Tag.1.Value=blue"))
        #expect(request.queueName == "q")
        #expect(request.attributes == ["VisibilityTimeout": "40", "DelaySeconds": "3"])
        #expect(request.tags == ["team": "blue"])
    }

    @Test("Flattened lists under the member's own name: AttributeName.N, TagKey.N, AWSAccountId.N, ActionName.N")
    func flattenedLists() throws {
        let attributes = try Self.input(
            "ReceiveMessage", "QueueUrl=u&AttributeName.1=All&AttributeName.2=SenderId&MessageAttributeName.1=city")
        #expect(attributes.stringList("AttributeNames") == ["All", "SenderId"])
        #expect(attributes.stringList("MessageAttributeNames") == ["city"])
        #expect(
            SQSShapes.UntagQueueRequest(try Self.input("UntagQueue", "QueueUrl=u&TagKey.1=a&TagKey.2=b")).tagKeys == ["a", "b"])
        let permission = SQSShapes.AddPermissionRequest(
            try Self.input(
                "AddPermission",
                "QueueUrl=u&Label=l&AWSAccountId.1=222222222222&ActionName.1=SendMessage&ActionName.2=ReceiveMessage"))
        #expect(permission.awsAccountIds == ["222222222222"])
        #expect(permission.actions == ["SendMessage", "ReceiveMessage"])
        #expect(SQSShapes.TagQueueRequest(try Self.input("TagQueue", "QueueUrl=u&Tag.1.Key=k&Tag.1.Value=v")).tags == ["k": "v"])
    }

    @Test("Batch entries: SendMessageBatchRequestEntry.N with their own attributes, and the other batches")
    func batches() throws {
        let send = SQSShapes.SendMessageBatchRequest(
            try Self.input(
                "SendMessageBatch",
                "QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one"
                    + "&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two"
                    + "&SendMessageBatchRequestEntry.2.DelaySeconds=2"
                    + "&SendMessageBatchRequestEntry.2.MessageAttribute.1.Name=n"
                    + "&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType=Number"
                    + "&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=7"))
        #expect(send.entries.map(\.id) == ["a", "b"])
        #expect(send.entries.map(\.messageBody) == ["one", "two"])
        #expect(send.entries[1].delaySeconds == 2)
        #expect(send.entries[1].messageAttributes?["n"]?.stringValue == "7")
        let delete = SQSShapes.DeleteMessageBatchRequest(
            try Self.input(
                "DeleteMessageBatch",
                "QueueUrl=u&DeleteMessageBatchRequestEntry.1.Id=x&DeleteMessageBatchRequestEntry.1.ReceiptHandle=r"))
        #expect(delete.entries.map(\.receiptHandle) == ["r"])
        let change = SQSShapes.ChangeMessageVisibilityBatchRequest(
            try Self.input(
                "ChangeMessageVisibilityBatch",
                "QueueUrl=u&ChangeMessageVisibilityBatchRequestEntry.1.Id=x"
                    + "&ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle=r"
                    + "&ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=60"))
        #expect(change.entries.first?.visibilityTimeout == 60)
    }

    @Test("A missing required parameter or a non-integer is a validation failure, never a crash")
    func badInput() {
        #expect(throws: AWSError.validation(message: "")) { try Self.input("SendMessage", "QueueUrl=u") }
        #expect(throws: AWSError.validation(message: "")) {
            try Self.input("ReceiveMessage", "QueueUrl=u&MaxNumberOfMessages=many")
        }
    }

    @Test("ReceiveMessage: repeated <Message>, flattened <Attribute> and <MessageAttribute> with Name and Value")
    func receiveAnswer() {
        let message: JSONValue = [
            "MessageId": "m1", "ReceiptHandle": "r1", "MD5OfBody": "d1", "Body": "a < b",
            "Attributes": ["SentTimestamp": "1780000000000", "SenderId": "111111111111"],
            "MD5OfMessageAttributes": "d2",
            "MessageAttributes": [
                "city": ["DataType": "String", "StringValue": "Any City"], "b": ["DataType": "Binary", "BinaryValue": "AAEC"],
            ],
        ]
        let text = Self.xml("ReceiveMessage", ["Messages": [message, ["MessageId": "m2", "Body": "x"]]])
        #expect(
            text == #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
                + #"<ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ReceiveMessageResult>"#
                + "<Message><MessageId>m1</MessageId><ReceiptHandle>r1</ReceiptHandle><MD5OfBody>d1</MD5OfBody>"
                + "<Body>a &lt; b</Body><Attribute><Name>SenderId</Name><Value>111111111111</Value></Attribute>"
                + "<Attribute><Name>SentTimestamp</Name><Value>1780000000000</Value></Attribute>"
                + "<MD5OfMessageAttributes>d2</MD5OfMessageAttributes>"
                + "<MessageAttribute><Name>b</Name><Value><BinaryValue>AAEC</BinaryValue><DataType>Binary</DataType></Value></MessageAttribute>"
                + "<MessageAttribute><Name>city</Name><Value><StringValue>Any City</StringValue><DataType>String</DataType></Value></MessageAttribute>"
                + "</Message><Message><MessageId>m2</MessageId><Body>x</Body></Message></ReceiveMessageResult>"
                + "<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></ReceiveMessageResponse>")
    }

    @Test("Queue attributes, queue URLs, tags and batch results as flattened elements")
    func otherAnswers() {
        #expect(
            Self.xml("GetQueueAttributes", ["Attributes": ["VisibilityTimeout": "30", "DelaySeconds": "0"]]).contains(
                "<GetQueueAttributesResult><Attribute><Name>DelaySeconds</Name><Value>0</Value></Attribute>"
                    + "<Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute></GetQueueAttributesResult>"))
        #expect(
            Self.xml("ListQueues", ["QueueUrls": ["http://h/1/a", "http://h/1/b"]]).contains(
                "<ListQueuesResult><QueueUrl>http://h/1/a</QueueUrl><QueueUrl>http://h/1/b</QueueUrl></ListQueuesResult>"))
        #expect(
            Self.xml("ListDeadLetterSourceQueues", ["queueUrls": ["http://h/1/a"]]).contains(
                "<ListDeadLetterSourceQueuesResult><QueueUrl>http://h/1/a</QueueUrl></ListDeadLetterSourceQueuesResult>"))
        #expect(
            Self.xml("ListQueueTags", ["Tags": ["k": "v"]]).contains(
                "<ListQueueTagsResult><Tag><Key>k</Key><Value>v</Value></Tag></ListQueueTagsResult>"))
        let batch = Self.xml(
            "SendMessageBatch",
            [
                "Successful": [["Id": "a", "MessageId": "m", "MD5OfMessageBody": "d"]],
                "Failed": [["Id": "b", "SenderFault": true, "Code": "InvalidParameterValue", "Message": "no"]],
            ])
        #expect(
            batch.contains(
                "<SendMessageBatchResult><SendMessageBatchResultEntry><Id>a</Id><MessageId>m</MessageId>"
                    + "<MD5OfMessageBody>d</MD5OfMessageBody></SendMessageBatchResultEntry>"
                    + "<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code>"
                    + "<Message>no</Message></BatchResultErrorEntry></SendMessageBatchResult>"))
        #expect(
            Self.xml("SendMessage", ["MessageId": "m", "MD5OfMessageBody": "d"]).contains(
                "<SendMessageResult><MD5OfMessageBody>d</MD5OfMessageBody><MessageId>m</MessageId></SendMessageResult>"))
    }

    /// The Query codes and statuses `SQSErrors.queryCodes` gives match the Query model's, kept in
    /// `Scripts/query-traits/sqs-2012-11-05.json`.
    @Test func queryErrorCodesAreTheQueryModels() throws {
        let overlay = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Scripts/query-traits/sqs-2012-11-05.json")
        let root = try JSONParser.parse(Array(try Data(contentsOf: overlay)))
        var checked = 0
        for (shape, traits) in root["shapes"]?.objectValue ?? [:] {
            guard let error = traits["error"], let code = error["code"]?.stringValue else { continue }
            let asked = SQSErrors.queryCodes.queryError(AWSError(code: shape, message: "m"))
            #expect(asked.code == code, "\(shape)")
            #expect(asked.httpStatus == Int(error["httpStatusCode"]?.intValue ?? 400), "\(shape)")
            checked += 1
        }
        #expect(checked >= 10)
    }
}
