import AWSProtocol
import Identity
import RampartCore
import ServiceKit

/// Versions and aliases.
extension LambdaAPI {
    func publishVersion(
        _ r: Shapes.PublishVersionRequest, _ caller: Caller
    ) async throws(AWSError)
        -> Shapes.FunctionConfiguration
    {
        let (function, _) = try await find(r.functionName, nil, caller, "PublishVersion", unqualified: true)
        if let sha = r.codeSha256, sha != function.latest.codeSha256 {
            throw .lambdaInvalidParameter(
                "CodeSHA256 (\(sha)) is different from current CodeSHA256 in $LATEST (\(function.latest.codeSha256)). Please try again."
            )
        }
        let updated = try await change(function) { f throws(AWSError) in
            try FunctionRules.checkRevision(r.revisionId, f.latest.revisionId)
            f.publish(description: r.description)
        }
        return try await configuration(updated, updated.versions.last!, caller: caller)
    }

    func listVersions(
        _ r: Shapes.ListVersionsByFunctionRequest, _ caller: Caller
    ) async throws(AWSError)
        -> Shapes.ListVersionsByFunctionResponse
    {
        let (function, _) = try await find(r.functionName, nil, caller, "ListVersionsByFunction", unqualified: true)
        let all = [function.latest] + function.versions
        let (page, next) = try FunctionRules.page(all, marker: r.marker, maxItems: r.maxItems) { $0.version }
        var versions: [Shapes.FunctionConfiguration] = []
        for v in page { versions.append(try await configuration(function, v, caller: caller)) }
        return Shapes.ListVersionsByFunctionResponse(nextMarker: next, versions: versions)
    }

    func alias(_ operation: String, _ input: RequestInput, _ caller: Caller) async throws(AWSError) -> Reply {
        switch operation {
        case "CreateAlias":
            let r = Shapes.CreateAliasRequest(input)
            let (function, _) = try await find(r.functionName, nil, caller, operation, unqualified: true)
            try Self.checkAliasName(r.name)
            let weights = r.routingConfig?.additionalVersionWeights
            let updated = try await change(function) { f throws(AWSError) in
                try Self.checkAliasTarget(f, r.functionVersion, weights: weights)
                guard f.aliases[r.name] == nil else {
                    throw .lambdaConflict("Alias already exists: \(Self.aliasArn(f, r.name))")
                }
                f.aliases[r.name] = FunctionAlias(
                    name: r.name, functionVersion: r.functionVersion, description: r.description ?? "",
                    revisionId: UUIDText.random(), additionalVersionWeights: weights)
            }
            return .output(Self.aliasShape(updated, updated.aliases[r.name]!))
        case "GetAlias":
            let r = Shapes.GetAliasRequest(input)
            let (function, _) = try await find(r.functionName, nil, caller, operation, unqualified: true)
            guard let alias = function.aliases[r.name] else {
                throw .lambdaNotFound("Cannot find alias arn: \(Self.aliasArn(function, r.name))")
            }
            return .output(Self.aliasShape(function, alias))
        case "UpdateAlias":
            let r = Shapes.UpdateAliasRequest(input)
            let (function, _) = try await find(r.functionName, nil, caller, operation, unqualified: true)
            let updated = try await change(function) { f throws(AWSError) in
                guard var alias = f.aliases[r.name] else {
                    throw .lambdaNotFound("Cannot find alias arn: \(Self.aliasArn(f, r.name))")
                }
                try FunctionRules.checkRevision(r.revisionId, alias.revisionId)
                if let v = r.functionVersion { alias.functionVersion = v }
                if let d = r.description { alias.description = d }
                if let routing = r.routingConfig { alias.additionalVersionWeights = routing.additionalVersionWeights }
                try Self.checkAliasTarget(f, alias.functionVersion, weights: alias.additionalVersionWeights)
                alias.revisionId = UUIDText.random()
                f.aliases[r.name] = alias
            }
            return .output(Self.aliasShape(updated, updated.aliases[r.name]!))
        case "DeleteAlias":
            let r = Shapes.DeleteAliasRequest(input)
            let (function, _) = try await find(r.functionName, nil, caller, operation, unqualified: true)
            _ = try await change(function) { f throws(AWSError) in
                f.aliases[r.name] = nil
                f.eventInvokeConfigs[r.name] = nil
            }
            return .json([:])
        default:  // ListAliases
            let r = Shapes.ListAliasesRequest(input)
            let (function, _) = try await find(r.functionName, nil, caller, operation, unqualified: true)
            let all = function.aliases.values.sorted { $0.name < $1.name }.filter {
                r.functionVersion == nil || $0.functionVersion == r.functionVersion
            }
            let (page, next) = try FunctionRules.page(all, marker: r.marker, maxItems: r.maxItems) { $0.name }
            return .output(Shapes.ListAliasesResponse(nextMarker: next, aliases: page.map { Self.aliasShape(function, $0) }))
        }
    }

    static func aliasArn(_ function: StoredFunction, _ name: String) -> String {
        FunctionNames.arn(accountId: function.accountId, region: function.region, name: function.name, qualifier: name)
    }

    static func aliasShape(_ function: StoredFunction, _ alias: FunctionAlias) -> Shapes.AliasConfiguration {
        Shapes.AliasConfiguration(
            aliasArn: aliasArn(function, alias.name), name: alias.name, functionVersion: alias.functionVersion,
            description: alias.description,
            routingConfig: alias.additionalVersionWeights.map { Shapes.AliasRoutingConfiguration(additionalVersionWeights: $0) },
            revisionId: alias.revisionId)
    }

    static func checkAliasName(_ name: String) throws(AWSError) {
        guard !FunctionNames.isVersion(name), !name.isEmpty, name.count <= 128 else {
            throw .lambdaInvalidParameter(
                "1 validation error detected: Value '\(name)' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
            )
        }
    }

    static func checkAliasTarget(_ f: StoredFunction, _ version: String, weights: [String: Double]?) throws(AWSError) {
        guard version == "$LATEST" || f.versions.contains(where: { $0.version == version }) else {
            throw .functionNotFound(
                FunctionNames.arn(accountId: f.accountId, region: f.region, name: f.name, qualifier: version))
        }
        for (v, weight) in weights ?? [:] {
            guard f.versions.contains(where: { $0.version == v }), (0...1).contains(weight) else {
                throw .lambdaInvalidParameter("Invalid function version \(v) in the alias's routing configuration.")
            }
        }
    }
}
