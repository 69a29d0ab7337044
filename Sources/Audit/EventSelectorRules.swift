/// What PutEventSelectors accepts, as AWS's CloudTrail documents it: up to 5 basic selectors
/// with up to 250 data resource values across them (values that select all of a type's
/// resources do not count), only the three resource types basic selectors support and values
/// that are ARNs of them; advanced selectors with an `eventCategory` that `Equals` Management or
/// Data, data selectors with one `resources.type`, only the fields trails support for the
/// category, `Equals` alone for `eventCategory`, `readOnly` and `resources.type`, and up to 500
/// values across all conditions.
public enum EventSelectorRules {
    public static let maxBasicSelectors = 5
    public static let maxDataResourceValues = 250
    public static let maxAdvancedValues = 500

    /// The management event sources a basic selector may exclude.
    public static let excludableSources = ["kms.amazonaws.com", "rdsdata.amazonaws.com"]

    /// The resource types advanced selectors of trails take for data events, among them those
    /// of the services Rampart serves.
    public static let advancedDataTypes: Set<String> = [
        "AWS::S3::Object", "AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::DynamoDB::Stream",
        "AWS::S3::AccessPoint", "AWS::S3Outposts::Object", "AWS::S3ObjectLambda::AccessPoint", "AWS::S3Express::Object",
        "AWS::EC2::Snapshot", "AWS::Glue::Table", "AWS::ManagedBlockchain::Node", "AWS::ManagedBlockchain::Network",
        "AWS::SNS::Topic", "AWS::SNS::PlatformEndpoint", "AWS::SQS::Queue", "AWS::SecretsManager::Secret",
        "AWS::CloudTrail::Channel", "AWS::Cognito::IdentityPool",
        "AWS::SageMaker::Endpoint", "AWS::SageMaker::FeatureGroup", "AWS::StepFunctions::StateMachine",
        "AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer", "AWS::ServiceDiscovery::Namespace",
        "AWS::ServiceDiscovery::Service", "AWS::SSMMessages::ControlChannel", "AWS::AppConfig::Configuration",
        "AWS::Bedrock::AgentAlias", "AWS::Bedrock::KnowledgeBase", "AWS::CloudFront::KeyValueStore",
        "AWS::EMRWAL::Workspace", "AWS::GuardDuty::Detector", "AWS::IoTTwinMaker::Entity",
        "AWS::IoTTwinMaker::Workspace", "AWS::MedicalImaging::Datastore", "AWS::QBusiness::Application",
        "AWS::S3::Bucket", "AWS::SWF::Domain", "AWS::Timestream::Database", "AWS::Timestream::Table",
        "AWS::VerifiedPermissions::PolicyStore", "AWS::XRay::Trace",
    ]

    /// Fields a trail's advanced selector may filter management events on.
    static let managementFields: Set<String> = ["eventCategory", "eventSource", "readOnly"]
    /// Fields a trail's advanced selector may filter data events on.
    static let dataFields: Set<String> = [
        "eventCategory", "eventName", "eventSource", "eventType", "readOnly", "resources.type", "resources.ARN",
        "sessionCredentialFromConsole", "userIdentity.arn",
    ]
    /// Fields that take `Equals` alone.
    static let equalsOnly: Set<String> = ["eventCategory", "readOnly", "resources.type", "sessionCredentialFromConsole"]

    /// Why AWS refuses `selectors` (the InvalidEventSelectorsException's message), or nil when
    /// they are valid.
    public static func problem(_ selectors: TrailEventSelectors) -> String? {
        switch selectors {
        case .basic(let selectors): problem(basic: selectors)
        case .advanced(let selectors): problem(advanced: selectors)
        }
    }

    static func problem(basic selectors: [EventSelector]) -> String? {
        guard (1...maxBasicSelectors).contains(selectors.count) else {
            return "Specify a valid number of event selectors (1 to \(maxBasicSelectors)) for a trail."
        }
        var counted = 0
        for selector in selectors {
            for source in selector.excludeManagementEventSources where !excludableSources.contains(source) {
                return "Value \(source) for ExcludeManagementEventSources is invalid."
            }
            for resource in selector.dataResources {
                guard DataResource.basicTypes.contains(resource.type) else {
                    return "Value \(resource.type) for DataResources.Type is invalid."
                }
                for value in resource.values {
                    guard isValid(value, for: resource.type) else { return "Value \(value) for DataResources.Values is invalid." }
                    if value != DataResource.allValue(resource.type) { counted += 1 }
                }
            }
        }
        guard counted <= maxDataResourceValues else {
            return "Specify a valid number of DataResources.Values (0 to \(maxDataResourceValues)) for all your selectors"
        }
        return nil
    }

    /// Whether `value` may name resources of `type` in a basic selector: the type's bare prefix
    /// (`arn:aws:s3`), an S3 bucket ARN with `/` and an optional object prefix, or a Lambda
    /// function's or DynamoDB table's ARN.
    static func isValid(_ value: String, for type: String) -> Bool {
        if value == DataResource.allValue(type) { return true }
        let parts = value.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", ["aws", "aws-cn", "aws-us-gov"].contains(parts[1]) else { return false }
        let (service, region, account, resource) = (parts[2], parts[3], parts[4], parts[5])
        func isAccount(_ s: String) -> Bool { s.count == 12 && s.allSatisfy(\.isASCII) && s.allSatisfy(\.isNumber) }
        func isRegion(_ s: String) -> Bool {
            !s.isEmpty && s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
        }
        switch type {
        case "AWS::S3::Object":
            // arn:aws:s3:::BUCKET/[prefix]
            guard service == "s3", region.isEmpty, account.isEmpty, let slash = resource.firstIndex(of: "/") else {
                return false
            }
            return isBucketName(resource[..<slash])
        case "AWS::Lambda::Function":
            let names = resource.split(separator: ":", omittingEmptySubsequences: false)
            guard service == "lambda", isRegion(region), isAccount(account), (2...3).contains(names.count),
                names[0] == "function", let name = names.dropFirst().first
            else { return false }
            return (1...64).contains(name.count)
                && name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }
        case "AWS::DynamoDB::Table":
            guard service == "dynamodb", isRegion(region), isAccount(account), resource.hasPrefix("table/") else { return false }
            let name = resource.dropFirst("table/".count)
            return (3...255).contains(name.count)
                && name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "_-.".contains($0) }
        default:
            return false
        }
    }

    /// S3's bucket naming rule: 3–63 lowercase letters, digits, `.` and `-`, starting and ending
    /// with a letter or digit.
    static func isBucketName(_ name: Substring) -> Bool {
        guard (3...63).contains(name.count), let first = name.first, let last = name.last else { return false }
        let alnum: (Character) -> Bool = { $0.isASCII && ($0.isLowercase || $0.isNumber) }
        return alnum(first) && alnum(last) && name.allSatisfy { alnum($0) || $0 == "." || $0 == "-" }
    }

    static func problem(advanced selectors: [AdvancedEventSelector]) -> String? {
        guard !selectors.isEmpty else { return "Specify at least one advanced event selector for a trail." }
        let total = selectors.reduce(0) { $0 + $1.fieldSelectors.reduce(0) { $0 + $1.valueCount } }
        guard total <= maxAdvancedValues else {
            return
                "Specify a valid number of values (up to \(maxAdvancedValues)) for all conditions in all advanced event selectors for a trail."
        }
        for selector in selectors {
            if let problem = problem(selector) { return problem }
        }
        return nil
    }

    static func problem(_ selector: AdvancedEventSelector) -> String? {
        var seen: Set<String> = []
        for condition in selector.fieldSelectors {
            guard seen.insert(condition.field).inserted else {
                return "Field \(condition.field) is specified more than once in an advanced event selector."
            }
            guard condition.valueCount > 0 else {
                return "Field \(condition.field) must have at least one operator with at least one value."
            }
        }
        guard let category = selector.fieldSelectors.first(where: { $0.field == "eventCategory" }) else {
            return "Field eventCategory is required for an advanced event selector."
        }
        let allowed: Set<String>
        switch category.equals {
        case ["Management"]?: allowed = managementFields
        case ["Data"]?: allowed = dataFields
        default:
            return "Field eventCategory must use the Equals operator with one value: Management or Data."
        }
        for condition in selector.fieldSelectors {
            guard allowed.contains(condition.field) else {
                return "Field \(condition.field) is not supported for \(category.equals![0].lowercased()) events in a trail."
            }
            if equalsOnly.contains(condition.field), condition.equals == nil || condition.valueCount != condition.equals?.count {
                return "Field \(condition.field) supports only the Equals operator."
            }
            switch condition.field {
            case "readOnly", "sessionCredentialFromConsole":
                guard condition.equals == ["true"] || condition.equals == ["false"] else {
                    return "Field \(condition.field) must equal true or false."
                }
            case "resources.type":
                guard condition.equals?.count == 1, let type = condition.equals?.first, advancedDataTypes.contains(type) else {
                    return "Field resources.type must equal one supported resource type, such as AWS::SQS::Queue."
                }
            case "eventSource" where category.equals == ["Management"]:
                let excluded = condition.notEquals ?? []
                guard condition.valueCount == excluded.count, excluded.allSatisfy(excludableSources.contains) else {
                    return
                        "Field eventSource of management events supports only NotEquals kms.amazonaws.com or rdsdata.amazonaws.com."
                }
            default: break
            }
        }
        if category.equals == ["Data"], !selector.fieldSelectors.contains(where: { $0.field == "resources.type" }) {
            return "Field resources.type is required for an advanced event selector of data events."
        }
        return nil
    }
}
