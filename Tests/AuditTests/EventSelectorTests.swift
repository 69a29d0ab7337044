import Audit
import Testing

/// Which events a trail's selectors select, and which selectors PutEventSelectors accepts: pure
/// functions, checked against AWS's CloudTrail documentation.
@Suite("Event selectors: matching and AWS's rules")
struct EventSelectorTests {
    static let queue = "arn:aws:sqs:us-east-1:111111111111:orders"
    static let otherQueue = "arn:aws:sqs:us-east-1:111111111111:audit-log"
    static let topic = "arn:aws:sns:us-east-1:111111111111:alerts"

    static func sqs(_ name: String, readOnly: Bool = false, queue: String = queue) -> SelectableEvent {
        SelectableEvent(
            isDataEvent: true, eventSource: "sqs.amazonaws.com", eventName: name, readOnly: readOnly,
            resources: [(type: "AWS::SQS::Queue", arn: queue)])
    }

    static let publish = SelectableEvent(
        isDataEvent: true, eventSource: "sns.amazonaws.com", eventName: "Publish", readOnly: false,
        resources: [(type: "AWS::SNS::Topic", arn: topic)])

    static let createKey = SelectableEvent(
        isDataEvent: false, eventSource: "kms.amazonaws.com", eventName: "CreateKey", readOnly: false, resources: [])

    static func data(_ type: String, _ more: AdvancedFieldSelector...) -> AdvancedEventSelector {
        AdvancedEventSelector(
            name: nil,
            fieldSelectors: [
                AdvancedFieldSelector(field: "eventCategory", equals: ["Data"]),
                AdvancedFieldSelector(field: "resources.type", equals: [type]),
            ] + more)
    }

    @Test("AWS's default selects management events and no data event")
    func defaultSelectors() {
        #expect(TrailEventSelectors.default.selects(Self.createKey))
        #expect(!TrailEventSelectors.default.selects(Self.sqs("SendMessage")))
        #expect(!TrailEventSelectors.default.selectsDataEvents)
        #expect(EventSelectorRules.problem(.default) == nil)
    }

    @Test("advanced selectors for SQS select SQS data events, not SNS ones")
    func sqsOnly() {
        let selectors = TrailEventSelectors.advanced([Self.data("AWS::SQS::Queue")])
        #expect(selectors.selectsDataEvents)
        #expect(selectors.selects(Self.sqs("SendMessage")))
        #expect(selectors.selects(Self.sqs("ReceiveMessage", readOnly: true)))
        #expect(!selectors.selects(Self.publish))
        #expect(!selectors.selects(Self.createKey))
    }

    @Test("readOnly, eventName and resources.ARN filter exactly")
    func filters() {
        let writes = TrailEventSelectors.advanced([
            Self.data("AWS::SQS::Queue", AdvancedFieldSelector(field: "readOnly", equals: ["false"]))
        ])
        #expect(writes.selects(Self.sqs("SendMessage")))
        #expect(!writes.selects(Self.sqs("ReceiveMessage", readOnly: true)))

        let named = TrailEventSelectors.advanced([
            Self.data("AWS::SQS::Queue", AdvancedFieldSelector(field: "eventName", equals: ["SendMessage", "DeleteMessage"]))
        ])
        #expect(named.selects(Self.sqs("SendMessage")) && named.selects(Self.sqs("DeleteMessage")))
        #expect(!named.selects(Self.sqs("SendMessageBatch")) && !named.selects(Self.sqs("ReceiveMessage", readOnly: true)))

        let prefixed = TrailEventSelectors.advanced([
            Self.data(
                "AWS::SQS::Queue",
                AdvancedFieldSelector(field: "resources.ARN", startsWith: ["arn:aws:sqs:us-east-1:111111111111:ord"]))
        ])
        #expect(prefixed.selects(Self.sqs("SendMessage")))
        #expect(!prefixed.selects(Self.sqs("SendMessage", queue: Self.otherQueue)))
    }

    @Test(
        "each operator, alone and with others",
        arguments: [
            (AdvancedFieldSelector(field: "eventName", equals: ["SendMessage"]), "SendMessage", true),
            (AdvancedFieldSelector(field: "eventName", equals: ["SendMessage"]), "SendMessageBatch", false),
            (AdvancedFieldSelector(field: "eventName", startsWith: ["Send"]), "SendMessageBatch", true),
            (AdvancedFieldSelector(field: "eventName", startsWith: ["Send"]), "DeleteMessage", false),
            (AdvancedFieldSelector(field: "eventName", endsWith: ["Batch"]), "DeleteMessageBatch", true),
            (AdvancedFieldSelector(field: "eventName", endsWith: ["Batch"]), "DeleteMessage", false),
            (AdvancedFieldSelector(field: "eventName", notEquals: ["ReceiveMessage"]), "SendMessage", true),
            (AdvancedFieldSelector(field: "eventName", notEquals: ["ReceiveMessage"]), "ReceiveMessage", false),
            (AdvancedFieldSelector(field: "eventName", notStartsWith: ["Delete"]), "SendMessage", true),
            (AdvancedFieldSelector(field: "eventName", notStartsWith: ["Delete"]), "DeleteMessage", false),
            (AdvancedFieldSelector(field: "eventName", notEndsWith: ["Batch"]), "SendMessage", true),
            (AdvancedFieldSelector(field: "eventName", notEndsWith: ["Batch"]), "SendMessageBatch", false),
            // Including conditions: any of them; excluding ones: none of them.
            (AdvancedFieldSelector(field: "eventName", equals: ["ReceiveMessage"], startsWith: ["Send"]), "SendMessage", true),
            (
                AdvancedFieldSelector(field: "eventName", startsWith: ["Send"], notEndsWith: ["Batch"]), "SendMessageBatch",
                false
            ),
            (AdvancedFieldSelector(field: "eventName", notEquals: ["A", "B"], notStartsWith: ["Rec"]), "ReceiveMessage", false),
        ])
    func operators(condition: AdvancedFieldSelector, eventName: String, selected: Bool) {
        let selectors = TrailEventSelectors.advanced([Self.data("AWS::SQS::Queue", condition)])
        #expect(selectors.selects(Self.sqs(eventName)) == selected)
    }

    @Test("any selector may select: SQS writes or SNS topics")
    func severalSelectors() {
        let selectors = TrailEventSelectors.advanced([
            Self.data("AWS::SQS::Queue", AdvancedFieldSelector(field: "readOnly", equals: ["false"])),
            Self.data("AWS::SNS::Topic"),
        ])
        #expect(selectors.selects(Self.publish) && selectors.selects(Self.sqs("SendMessage")))
        #expect(!selectors.selects(Self.sqs("ReceiveMessage", readOnly: true)))
    }

    @Test("management selectors: readOnly and excluded event sources")
    func management() {
        let writes = TrailEventSelectors.advanced([
            AdvancedEventSelector(
                name: "writes",
                fieldSelectors: [
                    AdvancedFieldSelector(field: "eventCategory", equals: ["Management"]),
                    AdvancedFieldSelector(field: "readOnly", equals: ["false"]),
                    AdvancedFieldSelector(field: "eventSource", notEquals: ["kms.amazonaws.com"]),
                ])
        ])
        #expect(EventSelectorRules.problem(writes) == nil)
        #expect(!writes.selectsDataEvents)
        #expect(!writes.selects(Self.createKey))
        var createUser = Self.createKey
        createUser.eventSource = "iam.amazonaws.com"
        #expect(writes.selects(createUser))
        #expect(!writes.selects(Self.sqs("SendMessage")))

        let basic = TrailEventSelectors.basic([
            EventSelector(
                readWriteType: .readOnly, includeManagementEvents: true, dataResources: [],
                excludeManagementEventSources: ["kms.amazonaws.com"])
        ])
        var listUsers = createUser
        listUsers.readOnly = true
        #expect(basic.selects(listUsers) && !basic.selects(createUser))
        listUsers.eventSource = "kms.amazonaws.com"
        #expect(!basic.selects(listUsers))
    }

    @Test("basic data resources: S3 object prefixes, exact function ARNs, and all of a type")
    func basicDataResources() {
        func s3(_ arn: String) -> SelectableEvent {
            SelectableEvent(
                isDataEvent: true, eventSource: "s3.amazonaws.com", eventName: "GetObject", readOnly: true,
                resources: [(type: "AWS::S3::Object", arn: arn)])
        }
        func lambda(_ arn: String) -> SelectableEvent {
            SelectableEvent(
                isDataEvent: true, eventSource: "lambda.amazonaws.com", eventName: "Invoke", readOnly: false,
                resources: [(type: "AWS::Lambda::Function", arn: arn)])
        }
        let f = "arn:aws:lambda:us-west-2:111111111111:function:helloworld"
        let selectors = TrailEventSelectors.basic([
            EventSelector(
                readWriteType: .all, includeManagementEvents: false,
                dataResources: [
                    DataResource(type: "AWS::S3::Object", values: ["arn:aws:s3:::bucket-one/images"]),
                    DataResource(type: "AWS::Lambda::Function", values: [f]),
                ], excludeManagementEventSources: [])
        ])
        #expect(EventSelectorRules.problem(selectors) == nil)
        #expect(selectors.selectsDataEvents)
        #expect(selectors.selects(s3("arn:aws:s3:::bucket-one/images/cat.png")))
        #expect(!selectors.selects(s3("arn:aws:s3:::bucket-one/docs/a.txt")))
        #expect(selectors.selects(lambda(f)) && !selectors.selects(lambda(f + "2")))
        #expect(!selectors.selects(Self.createKey))
        // SQS queues cannot be selected with basic selectors.
        #expect(!selectors.selects(Self.sqs("SendMessage")))

        let all = TrailEventSelectors.basic([
            EventSelector(
                readWriteType: .writeOnly, includeManagementEvents: true,
                dataResources: [DataResource(type: "AWS::Lambda::Function", values: ["arn:aws:lambda"])],
                excludeManagementEventSources: [])
        ])
        #expect(all.selects(lambda(f)) && all.selects(lambda(f + "2")))
        #expect(!all.selects(s3("arn:aws:s3:::bucket-one/images/cat.png")))
    }

    @Test(
        "basic selectors AWS refuses, with its message",
        arguments: [
            ([], "Specify a valid number of event selectors (1 to 5) for a trail."),
            (
                Array(
                    repeating: EventSelector(
                        readWriteType: .all, includeManagementEvents: true, dataResources: [], excludeManagementEventSources: []),
                    count: 6), "Specify a valid number of event selectors (1 to 5) for a trail."
            ),
            (
                [EventSelectorTests.basic("AWS::SQS::Queue", [EventSelectorTests.queue])],
                "Value AWS::SQS::Queue for DataResources.Type is invalid."
            ),
            (
                [EventSelectorTests.basic("AWS::S3::Object", ["arn:aws:s3:::*"])],
                "Value arn:aws:s3:::* for DataResources.Values is invalid."
            ),
            (
                [EventSelectorTests.basic("AWS::S3::Object", ["arn:aws:s3:::*/*"])],
                "Value arn:aws:s3:::*/* for DataResources.Values is invalid."
            ),
            (
                [EventSelectorTests.basic("AWS::S3::Object", ["arn:aws:s3:::my-bucket"])],
                "Value arn:aws:s3:::my-bucket for DataResources.Values is invalid."
            ),
            (
                [EventSelectorTests.basic("AWS::Lambda::Function", ["arn:aws:lambda:*"])],
                "Value arn:aws:lambda:* for DataResources.Values is invalid."
            ),
            (
                [EventSelectorTests.basic("AWS::S3::Object", (0...250).map { "arn:aws:s3:::bucket-\($0)/" })],
                "Specify a valid number of DataResources.Values (0 to 250) for all your selectors"
            ),
        ] as [([EventSelector], String)])
    func basicRefused(selectors: [EventSelector], message: String) {
        #expect(EventSelectorRules.problem(.basic(selectors)) == message)
    }

    static func basic(_ type: String, _ values: [String]) -> EventSelector {
        EventSelector(
            readWriteType: .all, includeManagementEvents: true, dataResources: [DataResource(type: type, values: values)],
            excludeManagementEventSources: [])
    }

    @Test("up to 250 values count; values for all of a type do not")
    func basicLimits() {
        let values = (0..<250).map { "arn:aws:s3:::bucket-\($0)/" }
        #expect(EventSelectorRules.problem(.basic([Self.basic("AWS::S3::Object", values + ["arn:aws:s3"])])) == nil)
        #expect(
            EventSelectorRules.problem(
                .basic([
                    Self.basic("AWS::DynamoDB::Table", ["arn:aws:dynamodb:us-east-1:111111111111:table/orders"]),
                    Self.basic("AWS::Lambda::Function", ["arn:aws:lambda:us-east-1:111111111111:function:f:PROD"]),
                ])) == nil)
    }

    @Test(
        "advanced selectors AWS refuses",
        arguments: [
            [AdvancedFieldSelector(field: "resources.type", equals: ["AWS::SQS::Queue"])],  // no eventCategory
            [AdvancedFieldSelector(field: "eventCategory", equals: ["Insight"])],
            [AdvancedFieldSelector(field: "eventCategory", startsWith: ["Data"])],
            [AdvancedFieldSelector(field: "eventCategory", equals: ["Data"])],  // no resources.type
            [
                AdvancedFieldSelector(field: "eventCategory", equals: ["Data"]),
                AdvancedFieldSelector(field: "resources.type", equals: ["AWS::No::Such"]),
            ],
            [
                AdvancedFieldSelector(field: "eventCategory", equals: ["Data"]),
                AdvancedFieldSelector(field: "resources.type", equals: ["AWS::SQS::Queue", "AWS::SNS::Topic"]),
            ],
            [
                AdvancedFieldSelector(field: "eventCategory", equals: ["Data"]),
                AdvancedFieldSelector(field: "resources.type", equals: ["AWS::SQS::Queue"]),
                AdvancedFieldSelector(field: "readOnly", equals: ["yes"]),
            ],
            [
                AdvancedFieldSelector(field: "eventCategory", equals: ["Data"]),
                AdvancedFieldSelector(field: "resources.type", equals: ["AWS::SQS::Queue"]),
                AdvancedFieldSelector(field: "readOnly", notEquals: ["true"]),
            ],
            [
                AdvancedFieldSelector(field: "eventCategory", equals: ["Data"]),
                AdvancedFieldSelector(field: "resources.type", equals: ["AWS::SQS::Queue"]),
                AdvancedFieldSelector(field: "errorCode", equals: ["AccessDenied"]),
            ],
            [
                AdvancedFieldSelector(field: "eventCategory", equals: ["Data"]),
                AdvancedFieldSelector(field: "resources.type", equals: ["AWS::SQS::Queue"]),
                AdvancedFieldSelector(field: "eventName", equals: ["SendMessage"]),
                AdvancedFieldSelector(field: "eventName", equals: ["ReceiveMessage"]),
            ],
            [
                AdvancedFieldSelector(field: "eventCategory", equals: ["Data"]),
                AdvancedFieldSelector(field: "resources.type", equals: ["AWS::SQS::Queue"]),
                AdvancedFieldSelector(field: "eventName"),
            ],
            [
                AdvancedFieldSelector(field: "eventCategory", equals: ["Management"]),
                AdvancedFieldSelector(field: "eventName", equals: ["CreateKey"]),
            ],
            [
                AdvancedFieldSelector(field: "eventCategory", equals: ["Management"]),
                AdvancedFieldSelector(field: "eventSource", equals: ["kms.amazonaws.com"]),
            ],
        ])
    func advancedRefused(conditions: [AdvancedFieldSelector]) {
        let problem = EventSelectorRules.problem(.advanced([AdvancedEventSelector(name: "s", fieldSelectors: conditions)]))
        #expect(problem != nil)
    }

    @Test("at most 500 values across all conditions")
    func advancedLimit() {
        let names = (0..<498).map { "Op\($0)" }
        let ok = Self.data("AWS::SQS::Queue", AdvancedFieldSelector(field: "eventName", equals: names))
        #expect(EventSelectorRules.problem(.advanced([ok])) == nil)
        let over = Self.data("AWS::SQS::Queue", AdvancedFieldSelector(field: "eventName", equals: names + ["One more"]))
        #expect(EventSelectorRules.problem(.advanced([over]))?.contains("500") == true)
        #expect(EventSelectorRules.problem(.advanced([])) != nil)
    }
}
