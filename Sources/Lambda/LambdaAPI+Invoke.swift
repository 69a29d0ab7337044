import AWSProtocol
import Foundation
import Identity
import RampartCore
import ServiceKit

/// Invoke: synchronously (RequestResponse), queued (Event), or only authorized (DryRun).
extension LambdaAPI {
    func invoke(_ r: Shapes.InvocationRequest, _ caller: Caller, requestId: String) async throws(AWSError) -> Reply {
        let (function, version) = try await find(r.functionName, r.qualifier, caller, "Invoke")
        let type = r.invocationType?.rawValue ?? "RequestResponse"
        let payload = r.payload ?? []
        let limit = type == "Event" ? FunctionRules.maxAsyncPayload : FunctionRules.maxSyncPayload
        guard payload.count <= limit else { throw .invokePayloadTooLarge(limit: limit) }
        if !payload.isEmpty, (try? JSONParser.parse(payload)) == nil {
            throw .invalidRequestContent("Could not parse request body into json: Unexpected character.")
        }
        let qualifier = r.qualifier ?? FunctionNames.parse(r.functionName)?.qualifier
        let invoked = FunctionNames.arn(
            accountId: function.accountId, region: function.region, name: function.name, qualifier: qualifier)
        switch type {
        case "DryRun":
            return .rest(status: 204, headers: [], body: [], contentType: "application/json")
        case "Event":
            guard executor != nil else { throw .functionsDisabled() }
            try await invocations.enqueue(
                function, qualifier: qualifier, payload: payload.isEmpty ? Array("{}".utf8) : payload,
                requestId: requestId)
            return .rest(status: 202, headers: [], body: [], contentType: "application/json")
        default:
            guard let executor else { throw .functionsDisabled() }
            let result = try await executor.execute(
                function, version, payload: payload.isEmpty ? Array("{}".utf8) : payload, requestId: requestId,
                invokedArn: invoked, clientContext: r.clientContext)
            var headers = [("X-Amz-Executed-Version", version.version)]
            if let error = result.functionError { headers.append(("X-Amz-Function-Error", error)) }
            if r.logType?.rawValue == "Tail" { headers.append(("X-Amz-Log-Result", result.logTail)) }
            return .rest(status: 200, headers: headers, body: result.payload, contentType: "application/json")
        }
    }
}
