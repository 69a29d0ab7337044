import AWSProtocol
import AccessControl
import EventPatterns
import Foundation
import Identity
import Policy
import RampartCore
import ServiceKit

/// EventBridge on the wire (JSON 1.1): reads the typed requests, authorizes each call (the
/// caller's policies; across accounts, the bus's policy too), and answers AWS's shapes.
struct EventBridgeAPI: OperationHandler {
    let service: EventBridgeService

    typealias Shapes = EventBridgeShapes

    func handle(_ call: Invocation) async throws(AWSError) -> Reply {
        .json(try await handle(call, caller: call.caller))
    }

    private func handle(_ call: Invocation, caller: Caller) async throws(AWSError) -> JSONValue {
        let input = call.input
        switch call.operation {
        case "CreateEventBus": return try await createEventBus(Shapes.CreateEventBusRequest(input), caller)
        case "DeleteEventBus": return try await deleteEventBus(Shapes.DeleteEventBusRequest(input), caller)
        case "DescribeEventBus":
            let bus = try await authorizedBus(Shapes.DescribeEventBusRequest(input).name, caller, "DescribeEventBus")
            return Self.described(bus).jsonValue
        case "ListEventBuses": return try await listEventBuses(Shapes.ListEventBusesRequest(input), caller)
        case "PutPermission": return try await putPermission(Shapes.PutPermissionRequest(input), caller)
        case "RemovePermission": return try await removePermission(Shapes.RemovePermissionRequest(input), caller)
        case "PutRule": return try await putRule(Shapes.PutRuleRequest(input), caller)
        case "DescribeRule":
            let request = Shapes.DescribeRuleRequest(input)
            let rule = try await authorizedRule(request.name, bus: request.eventBusName, caller, "DescribeRule")
            return Self.described(rule).jsonValue
        case "ListRules": return try await listRules(Shapes.ListRulesRequest(input), caller)
        case "DeleteRule": return try await deleteRule(Shapes.DeleteRuleRequest(input), caller)
        case "EnableRule":
            let request = Shapes.EnableRuleRequest(input)
            try await setState(request.name, bus: request.eventBusName, caller, "EnableRule", enable: true)
            return [:]
        case "DisableRule":
            let request = Shapes.DisableRuleRequest(input)
            try await setState(request.name, bus: request.eventBusName, caller, "DisableRule", enable: false)
            return [:]
        case "ListRuleNamesByTarget": return try await listRuleNamesByTarget(Shapes.ListRuleNamesByTargetRequest(input), caller)
        case "TagResource":
            let request = Shapes.TagResourceRequest(input)
            try await tag(request.resourceARN, caller, "TagResource") { tags throws(AWSError) in
                for tag in request.tags { tags[tag.key] = tag.value }
                guard tags.count <= 50 else { throw .limitExceeded() }
            }
            return [:]
        case "UntagResource":
            let request = Shapes.UntagResourceRequest(input)
            try await tag(request.resourceARN, caller, "UntagResource") { tags in
                for key in request.tagKeys { tags.removeValue(forKey: key) }
            }
            return [:]
        case "ListTagsForResource":
            var current: [String: String] = [:]
            try await tag(Shapes.ListTagsForResourceRequest(input).resourceARN, caller, "ListTagsForResource", write: false) {
                current = $0
            }
            return Shapes.ListTagsForResourceResponse(tags: Self.tagList(current)).jsonValue
        case "PutTargets": return try await putTargets(Shapes.PutTargetsRequest(input), caller)
        case "RemoveTargets": return try await removeTargets(Shapes.RemoveTargetsRequest(input), caller)
        case "ListTargetsByRule": return try await listTargets(Shapes.ListTargetsByRuleRequest(input), caller)
        case "PutEvents": return try await putEvents(Shapes.PutEventsRequest(input), caller)
        case "TestEventPattern": return try testEventPattern(Shapes.TestEventPatternRequest(input), caller)
        default:
            throw .eventsUnsupported("The operation \(call.operation)")
        }
    }

    // MARK: Authorization and names

    /// The account and bus name an `EventBusName` member names (a name, or a bus's ARN).
    static func busAddress(_ nameOrArn: String?, _ caller: Caller) throws(AWSError) -> (accountId: String, name: String) {
        guard let text = nameOrArn, !text.isEmpty else { return (caller.accountId, EventBus.defaultName) }
        guard text.hasPrefix("arn:") else { return (caller.accountId, text) }
        guard let arn = ARN(text), arn.service == "events", arn.resource.hasPrefix("event-bus/"), arn.region == caller.region
        else {
            throw .eventsValidation("Parameter EventBusName is not valid. Reason: Provided Arn is not in correct format.")
        }
        return (arn.accountId, String(arn.resource.dropFirst("event-bus/".count)))
    }

    /// Within an account the caller's policies decide; across accounts the bus's policy must
    /// allow too (AWS's optional rule).
    private func authorize(_ caller: Caller, _ operation: String, _ resource: String, bus: EventBus) throws(AWSError) {
        let action = "events:\(operation)"
        if bus.accountId == caller.accountId {
            if let denial = Authorization.iam(caller, action, resource, [:]) { throw .accessDenied(denial.message) }
            return
        }
        if let denial = Authorization.authorize(
            caller, action: action, resource: resource, resourceAccount: bus.accountId, resourcePolicy: bus.policy,
            rule: .optional)
        {
            throw denial
        }
    }

    private func authorizedBus(_ nameOrArn: String?, _ caller: Caller, _ operation: String) async throws(AWSError) -> EventBus {
        let address = try Self.busAddress(nameOrArn, caller)
        guard let bus = try await service.bus(accountId: address.accountId, region: caller.region, name: address.name) else {
            if address.accountId != caller.accountId {
                throw .accessDenied(
                    "User: \(caller.principal.arn) is not authorized to perform: events:\(operation) on resource: "
                        + EventBus.arn(accountId: address.accountId, region: caller.region, name: address.name))
            }
            throw .busNotFound(address.name)
        }
        try authorize(caller, operation, bus.arn, bus: bus)
        return bus
    }

    private func authorizedRule(
        _ name: String, bus busName: String?, _ caller: Caller, _ operation: String
    )
        async throws(AWSError) -> Rule
    {
        let bus = try await authorizedBusForRule(busName, caller, operation, rule: name)
        return try await service.existingRule(accountId: bus.accountId, region: bus.region, bus: bus.name, name: name)
    }

    /// The bus a rule call names, once the caller may act on the rule's ARN.
    private func authorizedBusForRule(
        _ busName: String?, _ caller: Caller, _ operation: String, rule: String
    )
        async throws(AWSError) -> EventBus
    {
        let address = try Self.busAddress(busName, caller)
        guard let bus = try await service.bus(accountId: address.accountId, region: caller.region, name: address.name) else {
            throw .busNotFound(address.name)
        }
        let arn = Rule.arn(accountId: bus.accountId, region: bus.region, bus: bus.name, name: rule)
        try authorize(caller, operation, arn, bus: bus)
        return bus
    }

    // MARK: Buses

    /// A bus as DescribeEventBus shows it. The default bus, made on first use, has no times.
    static func described(_ bus: EventBus) -> Shapes.DescribeEventBusResponse {
        let dated = bus.created.timeIntervalSince1970 > 0
        return Shapes.DescribeEventBusResponse(
            name: bus.name, arn: bus.arn, description: bus.description, kmsKeyIdentifier: bus.kmsKeyIdentifier,
            deadLetterConfig: bus.deadLetterArn.map { Shapes.DeadLetterConfig(arn: $0) }, policy: bus.policy,
            creationTime: dated ? bus.created : nil, lastModifiedTime: dated ? bus.lastModified : nil)
    }

    /// A bus as ListEventBuses shows it.
    static func listed(_ bus: EventBus) -> Shapes.EventBus {
        let dated = bus.created.timeIntervalSince1970 > 0
        return Shapes.EventBus(
            name: bus.name, arn: bus.arn, description: bus.description, policy: bus.policy,
            creationTime: dated ? bus.created : nil, lastModifiedTime: dated ? bus.lastModified : nil)
    }

    /// A rule as DescribeRule shows it, with its creator.
    static func described(_ rule: Rule) -> Shapes.DescribeRuleResponse {
        Shapes.DescribeRuleResponse(
            name: rule.name, arn: rule.arn, eventPattern: rule.eventPattern, scheduleExpression: rule.scheduleExpression,
            state: rule.state, description: rule.description, roleArn: rule.roleArn, eventBusName: rule.busName,
            createdBy: rule.createdBy)
    }

    /// A rule as ListRules shows it.
    static func listed(_ rule: Rule) -> Shapes.Rule {
        Shapes.Rule(
            name: rule.name, arn: rule.arn, eventPattern: rule.eventPattern, state: rule.state, description: rule.description,
            scheduleExpression: rule.scheduleExpression, roleArn: rule.roleArn, eventBusName: rule.busName)
    }

    private func createEventBus(_ request: Shapes.CreateEventBusRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        if request.eventSourceName != nil { throw .eventsUnsupported("Partner event sources") }
        let name = request.name
        let arn = EventBus.arn(accountId: caller.accountId, region: caller.region, name: name)
        if let denial = Authorization.iam(caller, "events:CreateEventBus", arn, [:]) { throw .accessDenied(denial.message) }
        if name.contains("/") || name.hasPrefix("aws.") {
            throw .eventsValidation("Event bus name must not contain '/' or start with 'aws.'.")
        }
        var tags: [String: String] = [:]
        for tag in request.tags ?? [] { tags[tag.key] = tag.value }
        guard tags.count <= 50 else { throw .limitExceeded() }
        let now = service.clock.now
        let bus = EventBus(
            name: name, accountId: caller.accountId, region: caller.region, description: request.description,
            kmsKeyIdentifier: request.kmsKeyIdentifier, deadLetterArn: request.deadLetterConfig?.arn, created: now,
            lastModified: now, tags: tags)
        try await service.locked { () async throws(AWSError) in
            let existing = try await service.stored {
                try await service.buses.get(accountId: caller.accountId, region: caller.region, id: name)
            }
            if name == EventBus.defaultName || existing != nil {
                throw AWSError(
                    EventBridgeShapes.ErrorCode.resourceAlreadyExistsException, message: "Event bus \(name) already exists.")
            }
            let count = try await service.stored {
                try await service.buses.all(accountId: caller.accountId, region: caller.region).count
            }
            guard count < 100 else { throw .limitExceeded() }
            try await service.putBus(bus)
        }
        return Shapes.CreateEventBusResponse(
            eventBusArn: bus.arn, description: bus.description, kmsKeyIdentifier: bus.kmsKeyIdentifier,
            deadLetterConfig: bus.deadLetterArn.map { Shapes.DeadLetterConfig(arn: $0) }
        ).jsonValue
    }

    private func deleteEventBus(_ request: Shapes.DeleteEventBusRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        let name = request.name
        let arn = EventBus.arn(accountId: caller.accountId, region: caller.region, name: name)
        if let denial = Authorization.iam(caller, "events:DeleteEventBus", arn, [:]) { throw .accessDenied(denial.message) }
        guard name != EventBus.defaultName else { throw .eventsValidation("Cannot delete event bus default.") }
        try await service.locked { () async throws(AWSError) in
            for rule in try await service.rules(accountId: caller.accountId, region: caller.region, bus: name) {
                try await service.deleteRule(rule)
            }
            _ = try await service.stored {
                try await service.buses.delete(accountId: caller.accountId, region: caller.region, id: name)
            }
        }
        return [:]
    }

    private func listEventBuses(_ request: Shapes.ListEventBusesRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        let arn = "arn:aws:events:\(caller.region):\(caller.accountId):event-bus/*"
        if let denial = Authorization.iam(caller, "events:ListEventBuses", arn, [:]) { throw .accessDenied(denial.message) }
        var buses = try await service.allBuses(accountId: caller.accountId, region: caller.region)
        if let prefix = request.namePrefix { buses = buses.filter { $0.name.hasPrefix(prefix) } }
        let (page, next) = try Self.page(buses, key: \.name, token: request.nextToken, limit: request.limit)
        return Shapes.ListEventBusesResponse(eventBuses: page.map(Self.listed), nextToken: next).jsonValue
    }

    /// A page of `items` (sorted by `key`) after the token's key; the token is the last key
    /// answered, in base64.
    static func page<T>(_ items: [T], key: (T) -> String, token: String?, limit: Int?) throws(AWSError) -> ([T], String?) {
        var rest = items
        if let token {
            guard let bytes = Base64.decode(token), let after = String(bytes: bytes, encoding: .utf8) else {
                throw .eventsValidation("The nextToken provided is invalid.")
            }
            rest = items.filter { key($0) > after }
        }
        let size = limit ?? 100
        let page = Array(rest.prefix(size))
        let next = rest.count > size ? page.last.map { Base64.encode(Array(key($0).utf8)) } : nil
        return (page, next)
    }

    // MARK: Permissions

    private func putPermission(_ request: Shapes.PutPermissionRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        let name = request.eventBusName ?? EventBus.defaultName
        var bus = try await service.existingBus(accountId: caller.accountId, region: caller.region, name: name)
        if let denial = Authorization.iam(caller, "events:PutPermission", bus.arn, [:]) { throw .accessDenied(denial.message) }
        let policy: String
        if let document = request.policy {
            if let problem = Authorization.validate(document, kind: .resource) {
                throw .eventsValidation("The policy is not valid: \(problem)")
            }
            policy = document
        } else {
            guard let action = request.action, let principal = request.principal, let sid = request.statementId else {
                throw .eventsValidation("Parameter(s) Action, Principal, StatementId must be specified.")
            }
            guard action == "events:PutEvents" || action.hasPrefix("events:") else {
                throw .eventsValidation("Provided value in parameter 'action' is not supported.")
            }
            var statement: [String: JSONValue] = [
                "Sid": .string(sid), "Effect": "Allow",
                "Principal": principal == "*" ? "*" : ["AWS": .string("arn:aws:iam::\(principal):root")],
                "Action": .string(action), "Resource": .string(bus.arn),
            ]
            if let condition = request.condition {
                guard condition.type == "StringEquals", condition.key == "aws:PrincipalOrgID" else {
                    throw .eventsValidation("Provided Condition is not supported.")
                }
                statement["Condition"] = [condition.type: [condition.key: .string(condition.value)]]
            }
            var statements = Self.statements(bus.policy).filter { $0["Sid"]?.stringValue != sid }
            statements.append(.object(statement))
            policy = JSONValue.object(["Version": "2012-10-17", "Statement": .array(statements)]).jsonString
        }
        guard policy.utf8.count <= 10_240 else {
            throw AWSError(
                EventBridgeShapes.ErrorCode.policyLengthExceededException,
                message: "Policy length exceeded the maximum allowed.")
        }
        bus.policy = policy
        bus.lastModified = service.clock.now
        let updated = bus
        try await service.locked { () async throws(AWSError) in try await service.putBus(updated) }
        return [:]
    }

    static func statements(_ policy: String?) -> [JSONValue] {
        guard let policy, let value = try? JSONParser.parse(Array(policy.utf8)) else { return [] }
        if let list = value["Statement"]?.arrayValue { return list }
        if let one = value["Statement"], case .object = one { return [one] }
        return []
    }

    private func removePermission(_ request: Shapes.RemovePermissionRequest, _ caller: Caller) async throws(AWSError) -> JSONValue
    {
        let name = request.eventBusName ?? EventBus.defaultName
        var bus = try await service.existingBus(accountId: caller.accountId, region: caller.region, name: name)
        if let denial = Authorization.iam(caller, "events:RemovePermission", bus.arn, [:]) {
            throw .accessDenied(denial.message)
        }
        let notFound = AWSError(
            EventBridgeShapes.ErrorCode.resourceNotFoundException, message: "Statement with the provided id does not exist.")
        if request.removeAllPermissions == true {
            bus.policy = nil
        } else {
            guard let sid = request.statementId else {
                throw .eventsValidation("Parameter(s) StatementId must be specified.")
            }
            let statements = Self.statements(bus.policy)
            let kept = statements.filter { $0["Sid"]?.stringValue != sid }
            guard kept.count < statements.count else { throw notFound }
            bus.policy =
                kept.isEmpty ? nil : JSONValue.object(["Version": "2012-10-17", "Statement": .array(kept)]).jsonString
        }
        bus.lastModified = service.clock.now
        let updated = bus
        try await service.locked { () async throws(AWSError) in try await service.putBus(updated) }
        return [:]
    }

    // MARK: Rules

    private func putRule(_ request: Shapes.PutRuleRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        let bus = try await authorizedBusForRule(request.eventBusName, caller, "PutRule", rule: request.name)
        guard request.eventPattern != nil || request.scheduleExpression != nil else {
            throw .eventsValidation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
        }
        if let text = request.eventPattern { _ = try service.pattern(text) }
        if let text = request.scheduleExpression {
            guard bus.name == EventBus.defaultName else {
                throw .eventsValidation("ScheduleExpression is supported only on the default event bus.")
            }
            guard ScheduleExpression(text) != nil else {
                throw .eventsValidation("Parameter ScheduleExpression is not valid.")
            }
        }
        var tags: [String: String] = [:]
        for tag in request.tags ?? [] { tags[tag.key] = tag.value }
        guard tags.count <= 50 else { throw .limitExceeded() }
        return try await service.locked { () async throws(AWSError) -> JSONValue in
            var rule: Rule
            if let existing = try await service.rule(
                accountId: bus.accountId, region: bus.region, bus: bus.name, name: request.name)
            {
                rule = existing
                rule.eventPattern = request.eventPattern
                rule.scheduleExpression = request.scheduleExpression
                rule.description = request.description
                rule.roleArn = request.roleArn
                rule.state = request.state?.rawValue ?? existing.state
            } else {
                let count = try await service.rules(accountId: bus.accountId, region: bus.region, bus: bus.name).count
                guard count < 300 else { throw .limitExceeded() }
                rule = Rule(
                    name: request.name, busName: bus.name, accountId: bus.accountId, region: bus.region,
                    eventPattern: request.eventPattern, scheduleExpression: request.scheduleExpression,
                    state: request.state?.rawValue ?? Rule.RuleState.enabled.rawValue, description: request.description,
                    roleArn: request.roleArn, tags: tags, createdBy: caller.accountId)
            }
            try await service.putRule(rule)
            return Shapes.PutRuleResponse(ruleArn: rule.arn).jsonValue
        }
    }

    private func listRules(_ request: Shapes.ListRulesRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        let bus = try await authorizedBus(request.eventBusName, caller, "ListRules")
        var rules = try await service.rules(accountId: bus.accountId, region: bus.region, bus: bus.name)
        if let prefix = request.namePrefix { rules = rules.filter { $0.name.hasPrefix(prefix) } }
        let (page, next) = try Self.page(rules, key: \.name, token: request.nextToken, limit: request.limit)
        return Shapes.ListRulesResponse(rules: page.map(Self.listed), nextToken: next).jsonValue
    }

    private func deleteRule(_ request: Shapes.DeleteRuleRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        let bus = try await authorizedBusForRule(request.eventBusName, caller, "DeleteRule", rule: request.name)
        try await service.locked { () async throws(AWSError) in
            guard
                let rule = try await service.rule(
                    accountId: bus.accountId, region: bus.region, bus: bus.name, name: request.name)
            else { return }
            guard rule.targets.isEmpty else { throw .eventsValidation("Rule can't be deleted since it has targets.") }
            try await service.deleteRule(rule)
        }
        return [:]
    }

    private func setState(
        _ name: String, bus busName: String?, _ caller: Caller, _ operation: String, enable: Bool
    )
        async throws(AWSError)
    {
        let bus = try await authorizedBusForRule(busName, caller, operation, rule: name)
        try await service.locked { () async throws(AWSError) in
            var rule = try await service.existingRule(accountId: bus.accountId, region: bus.region, bus: bus.name, name: name)
            if enable {
                if !rule.isEnabled { rule.state = Rule.RuleState.enabled.rawValue }
            } else {
                rule.state = Rule.RuleState.disabled.rawValue
            }
            try await service.putRule(rule)
        }
    }

    private func listRuleNamesByTarget(
        _ request: Shapes.ListRuleNamesByTargetRequest, _ caller: Caller
    )
        async throws(AWSError) -> JSONValue
    {
        let bus = try await authorizedBus(request.eventBusName, caller, "ListRuleNamesByTarget")
        let rules = try await service.rules(accountId: bus.accountId, region: bus.region, bus: bus.name)
            .filter { $0.targets.contains { $0.arn == request.targetArn } }
        let (page, next) = try Self.page(rules, key: \.name, token: request.nextToken, limit: request.limit)
        return Shapes.ListRuleNamesByTargetResponse(ruleNames: page.map(\.name), nextToken: next).jsonValue
    }

    // MARK: Tags

    static func tagList(_ tags: [String: String]) -> [Shapes.Tag] {
        tags.sorted { $0.key < $1.key }.map { Shapes.Tag(key: $0.key, value: $0.value) }
    }

    /// Reads or changes the tags of the rule or bus `arn` names.
    private func tag(
        _ arnText: String, _ caller: Caller, _ operation: String, write: Bool = true,
        _ change: (inout [String: String]) throws(AWSError) -> Void
    ) async throws(AWSError) {
        guard let arn = ARN(arnText), arn.service == "events", arn.region == caller.region else {
            throw .eventsValidation("Parameter ResourceARN is not valid. Reason: Provided Arn is not in correct format.")
        }
        let path = arn.resourcePath.map(String.init)
        let busName: String
        let ruleName: String?
        switch (path.first, path.count) {
        case ("rule", 2): (busName, ruleName) = (EventBus.defaultName, path[1])
        case ("rule", 3): (busName, ruleName) = (path[1], path[2])
        case ("event-bus", 2): (busName, ruleName) = (path[1], nil)
        default:
            throw .eventsValidation("Parameter ResourceARN is not valid. Reason: Provided Arn is not in correct format.")
        }
        guard let bus = try await service.bus(accountId: arn.accountId, region: arn.region, name: busName) else {
            throw .busNotFound(busName)
        }
        try authorize(caller, operation, arnText, bus: bus)
        try await service.locked { () async throws(AWSError) in
            if let ruleName {
                var rule = try await service.existingRule(
                    accountId: bus.accountId, region: bus.region, bus: bus.name, name: ruleName)
                try change(&rule.tags)
                if write { try await service.putRule(rule) }
            } else {
                var current = bus
                try change(&current.tags)
                if write { try await service.putBus(current) }
            }
        }
    }

    // MARK: Targets

    private func putTargets(
        _ request: Shapes.PutTargetsRequest, _ caller: Caller
    )
        async throws(AWSError) -> JSONValue
    {
        let bus = try await authorizedBusForRule(request.eventBusName, caller, "PutTargets", rule: request.rule)
        var accepted: [StoredTarget] = []
        var failed: [Shapes.PutTargetsResultEntry] = []
        for target in request.targets {
            if let problem = Self.problem(with: target) {
                failed.append(
                    Shapes.PutTargetsResultEntry(targetId: target.id, errorCode: "ValidationException", errorMessage: problem))
                continue
            }
            // Kept as the typed target writes itself: the Target shape's own members, as sent.
            accepted.append(StoredTarget(id: target.id, arn: target.arn, document: target.jsonValue.jsonString))
        }
        let chosen = accepted
        try await service.locked { () async throws(AWSError) in
            var rule = try await service.existingRule(
                accountId: bus.accountId, region: bus.region, bus: bus.name, name: request.rule)
            for target in chosen {
                if let i = rule.targets.firstIndex(where: { $0.id == target.id }) {
                    rule.targets[i] = target
                } else {
                    rule.targets.append(target)
                }
            }
            guard rule.targets.count <= 5 else { throw .limitExceeded() }
            try await service.putRule(rule)
        }
        return Shapes.PutTargetsResponse(failedEntryCount: failed.count, failedEntries: failed).jsonValue
    }

    /// Why EventBridge refuses one target of a PutTargets call, or nil.
    static func problem(with target: EventBridgeShapes.Target) -> String? {
        guard let arn = ARN(target.arn), !arn.service.isEmpty, !arn.resource.isEmpty else {
            return "Parameter \(target.arn) is not valid. Reason: Provided Arn is not in correct format."
        }
        let inputs = [target.input != nil, target.inputPath != nil, target.inputTransformer != nil].filter { $0 }.count
        if inputs > 1 { return "Only one of Input, InputPath, or InputTransformer must be provided." }
        if let text = target.input, (try? JSONParser.parse(Array(text.utf8))) == nil {
            return "Parameter Input is not valid. Reason: Input is not a valid JSON text."
        }
        if let path = target.inputPath, JSONPath(path) == nil {
            return "Parameter InputPath is not valid. Reason: \(path) is not a valid JSON path."
        }
        if let transformer = target.inputTransformer {
            let paths = transformer.inputPathsMap ?? [:]
            if paths.count > 100 { return "InputPathsMap must not have more than 100 entries." }
            for (key, path) in paths.sorted(by: { $0.key < $1.key }) {
                if key.hasPrefix("aws.") || !InputTemplate.isPlaceholderName(key) || key.contains(".") {
                    return "Parameter InputPathsMap is not valid. Reason: \(key) is not a valid key."
                }
                if JSONPath(path) == nil {
                    return "Parameter InputPathsMap is not valid. Reason: \(path) is not a valid JSON path."
                }
            }
        }
        if let dlq = target.deadLetterConfig?.arn {
            guard let d = ARN(dlq), d.service == "sqs" else {
                return "Parameter DeadLetterConfig.Arn is not valid. Reason: Only SQS queues are supported."
            }
        }
        if arn.service == "sqs", arn.resource.hasSuffix(".fifo"), target.sqsParameters?.messageGroupId == nil {
            return "Parameter(s) SqsParameters must be specified for target: \(target.id)."
        }
        return nil
    }

    private func removeTargets(_ request: Shapes.RemoveTargetsRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        let bus = try await authorizedBusForRule(request.eventBusName, caller, "RemoveTargets", rule: request.rule)
        try await service.locked { () async throws(AWSError) in
            var rule = try await service.existingRule(
                accountId: bus.accountId, region: bus.region, bus: bus.name, name: request.rule)
            rule.targets.removeAll { request.ids.contains($0.id) }
            try await service.putRule(rule)
        }
        return Shapes.RemoveTargetsResponse(failedEntryCount: 0, failedEntries: []).jsonValue
    }

    private func listTargets(_ request: Shapes.ListTargetsByRuleRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        let rule = try await authorizedRule(request.rule, bus: request.eventBusName, caller, "ListTargetsByRule")
        let (page, next) = try Self.page(
            rule.targets.sorted { $0.id < $1.id }, key: \.id, token: request.nextToken, limit: request.limit)
        // Each target as PutTargets received it (`StoredTarget.json`), not re-read through the shape.
        return Shapes.ListTargetsByRuleResponse(targets: page.map { Shapes.Target(rendered: $0.json) }, nextToken: next)
            .jsonValue
    }

    // MARK: Events

    /// AWS's size of one PutEvents entry: its time, source, detail type, detail and resources.
    static func size(_ entry: EventBridgeShapes.PutEventsRequestEntry) -> Int {
        var size = entry.time == nil ? 0 : 14
        size += entry.source?.utf8.count ?? 0
        size += entry.detailType?.utf8.count ?? 0
        size += entry.detail?.utf8.count ?? 0
        for r in entry.resources ?? [] { size += r.utf8.count }
        return size
    }

    private func putEvents(_ request: Shapes.PutEventsRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        if request.endpointId != nil { throw .eventsUnsupported("Global endpoints") }
        guard request.entries.reduce(0, { $0 + Self.size($1) }) <= 262_144 else {
            throw .eventsValidation("Total size of the entries in the request is over the limit.")
        }
        var results: [Shapes.PutEventsResultEntry] = []
        var failures = 0
        var byBus: [String: (bus: EventBus, events: [EventBridgeService.Routed])] = [:]
        var order: [String] = []
        let now = service.clock.now
        for entry in request.entries {
            do throws(AWSError) {
                guard let source = entry.source, !source.isEmpty else {
                    throw AWSError(
                        code: "InvalidArgument", message: "Parameter Source is not valid. Reason: Source is a required argument.")
                }
                guard let detailType = entry.detailType, !detailType.isEmpty else {
                    throw AWSError(
                        code: "InvalidArgument",
                        message: "Parameter DetailType is not valid. Reason: DetailType is a required argument.")
                }
                guard let detailText = entry.detail, !detailText.isEmpty else {
                    throw AWSError(
                        code: "InvalidArgument", message: "Parameter Detail is not valid. Reason: Detail is a required argument.")
                }
                guard let detail = try? JSONParser.parse(Array(detailText.utf8)), case .object = detail else {
                    throw AWSError(code: "MalformedDetail", message: "Detail is malformed.")
                }
                if source.hasPrefix("aws.") {
                    throw AWSError(code: "NotAuthorizedForSourceException", message: "Not authorized for the source.")
                }
                let bus = try await authorizedBus(entry.eventBusName, caller, "PutEvents")
                let envelope = EventEnvelope(
                    id: UUIDText.random(), detailType: detailType, source: source, account: caller.accountId,
                    time: entry.time ?? now, region: caller.region, resources: entry.resources ?? [], detail: detail)
                if byBus[bus.arn] == nil {
                    byBus[bus.arn] = (bus, [])
                    order.append(bus.arn)
                }
                byBus[bus.arn]!.events.append(EventBridgeService.Routed(envelope: envelope))
                results.append(Shapes.PutEventsResultEntry(eventId: envelope.id))
            } catch {
                failures += 1
                results.append(Shapes.PutEventsResultEntry(errorCode: error.code, errorMessage: error.message))
            }
        }
        for key in order {
            guard let group = byBus[key] else { continue }
            try await service.route(group.events, accountId: group.bus.accountId, region: group.bus.region, bus: group.bus.name)
        }
        return Shapes.PutEventsResponse(failedEntryCount: failures, entries: results).jsonValue
    }

    private func testEventPattern(_ request: Shapes.TestEventPatternRequest, _ caller: Caller) throws(AWSError) -> JSONValue {
        if let denial = Authorization.iam(caller, "events:TestEventPattern", "*", [:]) { throw .accessDenied(denial.message) }
        let pattern = try service.pattern(request.eventPattern)
        guard let event = try? JSONParser.parse(Array(request.event.utf8)), case .object(let members) = event,
            ["id", "account", "source", "time", "region", "detail-type"].allSatisfy({ members[$0] != nil })
        else {
            throw .eventsValidation("Parameter Event is not valid.")
        }
        return Shapes.TestEventPatternResponse(result: pattern.matches(event)).jsonValue
    }
}
