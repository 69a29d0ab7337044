import AWSProtocol
import Foundation
import Identity
import RampartCore
import ServiceKit

/// The resource policy, event-invoke configurations, reserved concurrency and tags.
extension LambdaAPI {
    func permission(_ operation: String, _ input: RequestInput, _ caller: Caller) async throws(AWSError) -> Reply {
        switch operation {
        case "AddPermission":
            let r = Shapes.AddPermissionRequest(input)
            let (function, _) = try await find(r.functionName, r.qualifier, caller, operation)
            let qualifier = r.qualifier ?? FunctionNames.parse(r.functionName)?.qualifier
            let resource = FunctionNames.arn(
                accountId: function.accountId, region: function.region, name: function.name, qualifier: qualifier)
            let statement = try FunctionPolicy.statement(
                sid: r.statementId, action: r.action, principal: r.principal, resource: resource, sourceArn: r.sourceArn,
                sourceAccount: r.sourceAccount, principalOrgId: r.principalOrgID, eventSourceToken: r.eventSourceToken)
            _ = try await change(function) { f throws(AWSError) in
                if let revision = r.revisionId, revision != f.policyRevisionId { throw .preconditionFailed() }
                guard !f.policyStatements.contains(where: { FunctionPolicy.sid(of: $0) == r.statementId }) else {
                    throw .lambdaConflict(
                        "The statement id (\(r.statementId)) provided already exists. Please provide a new statement id, or remove the existing statement."
                    )
                }
                f.policyStatements.append(statement)
                guard (FunctionPolicy.document(f)?.utf8.count ?? 0) <= FunctionPolicy.maxBytes else {
                    throw AWSError(
                        Shapes.ErrorCode.policyLengthExceededException,
                        message:
                            "The final policy size (\(FunctionPolicy.document(f)?.utf8.count ?? 0)) is bigger than the limit (\(FunctionPolicy.maxBytes))."
                    )
                }
                f.policyRevisionId = UUIDText.random()
            }
            return .output(Shapes.AddPermissionResponse(statement: statement))
        case "RemovePermission":
            let r = Shapes.RemovePermissionRequest(input)
            let (function, _) = try await find(r.functionName, r.qualifier, caller, operation)
            _ = try await change(function) { f throws(AWSError) in
                if let revision = r.revisionId, revision != f.policyRevisionId { throw .preconditionFailed() }
                guard let index = f.policyStatements.firstIndex(where: { FunctionPolicy.sid(of: $0) == r.statementId }) else {
                    throw .lambdaNotFound("Statement \(r.statementId) is not found in resource policy.")
                }
                f.policyStatements.remove(at: index)
                f.policyRevisionId = UUIDText.random()
            }
            return .json([:])
        default:  // GetPolicy
            let r = Shapes.GetPolicyRequest(input)
            let (function, _) = try await find(r.functionName, r.qualifier, caller, operation)
            guard let document = FunctionPolicy.document(function) else {
                throw .lambdaNotFound("The resource you requested does not exist.")
            }
            return .output(Shapes.GetPolicyResponse(policy: document, revisionId: function.policyRevisionId))
        }
    }

    func eventInvokeConfig(_ operation: String, _ input: RequestInput, _ caller: Caller) async throws(AWSError) -> Reply {
        let members = Shapes.OperationMembers(operation: operation, input: input)
        let functionName = members.functionName ?? ""
        let qualifierSent = members.qualifier
        if operation == "ListFunctionEventInvokeConfigs" {
            let r = Shapes.ListFunctionEventInvokeConfigsRequest(input)
            let (function, _) = try await find(functionName, nil, caller, operation, unqualified: true)
            let all = function.eventInvokeConfigs.sorted { $0.key < $1.key }
            let (page, next) = try FunctionRules.page(all, marker: r.marker, maxItems: r.maxItems) { $0.key }
            return .output(
                Shapes.ListFunctionEventInvokeConfigsResponse(
                    functionEventInvokeConfigs: page.map { Self.configShape(function, $0.key, $0.value) }, nextMarker: next))
        }
        let (function, _) = try await find(functionName, qualifierSent, caller, operation)
        let qualifier = qualifierSent ?? FunctionNames.parse(functionName)?.qualifier ?? "$LATEST"
        switch operation {
        case "GetFunctionEventInvokeConfig":
            guard let config = function.eventInvokeConfigs[qualifier] else {
                throw .lambdaNotFound(
                    "The function \(FunctionNames.arn(accountId: function.accountId, region: function.region, name: function.name, qualifier: qualifier)) doesn't have an EventInvokeConfig"
                )
            }
            return .output(Self.configShape(function, qualifier, config))
        case "DeleteFunctionEventInvokeConfig":
            _ = try await change(function) { f throws(AWSError) in
                guard f.eventInvokeConfigs.removeValue(forKey: qualifier) != nil else {
                    throw .lambdaNotFound(
                        "The function \(FunctionNames.arn(accountId: f.accountId, region: f.region, name: f.name, qualifier: qualifier)) doesn't have an EventInvokeConfig"
                    )
                }
            }
            return .json([:])
        default:  // Put replaces, Update merges
            let r = Shapes.PutFunctionEventInvokeConfigRequest(input)
            if let n = r.maximumRetryAttempts, !(0...2).contains(n) {
                throw .lambdaInvalidParameter(
                    "1 validation error detected: Value '\(n)' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"
                )
            }
            if let n = r.maximumEventAgeInSeconds, !(60...21600).contains(n) {
                throw .lambdaInvalidParameter(
                    "1 validation error detected: Value '\(n)' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 21600"
                )
            }
            for destination in [r.destinationConfig?.onSuccess?.destination, r.destinationConfig?.onFailure?.destination] {
                guard let destination else { continue }
                guard let arn = ARN(destination), ["sqs", "sns", "lambda", "events"].contains(arn.service) else {
                    throw .lambdaInvalidParameter(
                        "The destination ARN \(destination) is invalid. Destinations must be an SQS queue, an SNS topic, a Lambda function or an EventBridge event bus."
                    )
                }
            }
            let now = clock.now
            let replace = operation == "PutFunctionEventInvokeConfig"
            let updated = try await change(function) { f throws(AWSError) in
                var config =
                    replace
                    ? EventInvokeConfig(lastModified: now)
                    : (f.eventInvokeConfigs[qualifier] ?? EventInvokeConfig(lastModified: now))
                if replace || r.maximumRetryAttempts != nil { config.maximumRetryAttempts = r.maximumRetryAttempts }
                if replace || r.maximumEventAgeInSeconds != nil { config.maximumEventAgeInSeconds = r.maximumEventAgeInSeconds }
                if replace || r.destinationConfig != nil {
                    config.onSuccess = r.destinationConfig?.onSuccess?.destination
                    config.onFailure = r.destinationConfig?.onFailure?.destination
                }
                config.lastModified = now
                f.eventInvokeConfigs[qualifier] = config
            }
            return .output(Self.configShape(updated, qualifier, updated.eventInvokeConfigs[qualifier]!))
        }
    }

    static func configShape(_ f: StoredFunction, _ qualifier: String, _ c: EventInvokeConfig) -> Shapes.FunctionEventInvokeConfig
    {
        Shapes.FunctionEventInvokeConfig(
            lastModified: c.lastModified,
            functionArn: FunctionNames.arn(accountId: f.accountId, region: f.region, name: f.name, qualifier: qualifier),
            maximumRetryAttempts: c.maximumRetryAttempts, maximumEventAgeInSeconds: c.maximumEventAgeInSeconds,
            destinationConfig: Shapes.DestinationConfig(
                onSuccess: Shapes.OnSuccess(destination: c.onSuccess), onFailure: Shapes.OnFailure(destination: c.onFailure)))
    }

    func concurrency(_ operation: String, _ input: RequestInput, _ caller: Caller) async throws(AWSError) -> Reply {
        let functionName = Shapes.OperationMembers(operation: operation, input: input).functionName ?? ""
        let (function, _) = try await find(functionName, nil, caller, operation, unqualified: true)
        switch operation {
        case "PutFunctionConcurrency":
            let r = Shapes.PutFunctionConcurrencyRequest(input)
            let others = try await stored {
                try await store.functions(accountId: function.accountId, region: function.region)
            }.filter { $0.name != function.name }.compactMap(\.reservedConcurrency).reduce(0, +)
            let available = FunctionRules.accountConcurrency - FunctionRules.unreservedMinimum - others
            guard r.reservedConcurrentExecutions <= available else {
                throw .lambdaInvalidParameter(
                    "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [\(FunctionRules.unreservedMinimum)]."
                )
            }
            _ = try await change(function) { f throws(AWSError) in f.reservedConcurrency = r.reservedConcurrentExecutions }
            return .output(Shapes.Concurrency(reservedConcurrentExecutions: r.reservedConcurrentExecutions))
        case "GetFunctionConcurrency":
            return .output(Shapes.GetFunctionConcurrencyResponse(reservedConcurrentExecutions: function.reservedConcurrency))
        default:
            _ = try await change(function) { f throws(AWSError) in f.reservedConcurrency = nil }
            return .json([:])
        }
    }

    func tags(_ operation: String, _ input: RequestInput, _ caller: Caller) async throws(AWSError) -> Reply {
        let resource = Shapes.OperationMembers(operation: operation, input: input).resource ?? ""
        guard let parsed = FunctionNames.parse(resource), parsed.accountId != nil, parsed.qualifier == nil else {
            throw .lambdaInvalidParameter(
                "The resource ARN \(resource) is not valid: tags are set on a function's unqualified ARN.")
        }
        let (function, _) = try await find(resource, nil, caller, operation, unqualified: true)
        switch operation {
        case "TagResource":
            let r = Shapes.TagResourceRequest(input)
            _ = try await change(function) { f throws(AWSError) in
                f.tags.merge(r.tags) { $1 }
                try FunctionRules.checkTags(f.tags)
            }
            return .json([:])
        case "UntagResource":
            let r = Shapes.UntagResourceRequest(input)
            _ = try await change(function) { f throws(AWSError) in
                for key in r.tagKeys { f.tags[key] = nil }
            }
            return .json([:])
        default:
            return .output(Shapes.ListTagsResponse(tags: function.tags))
        }
    }
}
