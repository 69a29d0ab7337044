import AWSProtocol
import Crypto
import Foundation
import Identity
import ServiceKit

/// Seals and opens a function's environment variables: the variables' JSON under AES-256-GCM
/// with a fresh data key from KMS, under the function's `KMSKeyArn` or the account's
/// `aws/lambda` key, with the function's ARN as encryption context (as AWS binds them).
struct FunctionEnvironment: Sendable {
    let integrations: Integrations

    static let maxBytes = 4096

    /// AWS's limit: the variables' names and values together take at most 4 KB.
    static func check(_ variables: [String: String]) throws(AWSError) {
        let size = variables.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        guard size <= maxBytes else {
            throw .lambdaInvalidParameter(
                "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: \(size)"
            )
        }
        for name in variables.keys {
            let scalars = Array(name.unicodeScalars)
            guard let first = scalars.first, first.properties.isAlphabetic,
                scalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") })
            else {
                throw .lambdaInvalidParameter(
                    "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys or invalid names. Invalid key: \(name)"
                )
            }
        }
        let reserved: Set = [
            "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
            "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
        ]
        if let bad = variables.keys.sorted().first(where: reserved.contains) {
            throw .lambdaInvalidParameter(
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: \(bad)"
            )
        }
    }

    /// Seals `variables` as `caller` (KMS authorizes the data key as the caller, through Lambda).
    func seal(
        _ variables: [String: String], keyArn: String?, functionArn: String, caller: Caller
    ) async throws(AWSError) -> SealedEnvironment {
        guard let keys = integrations.dataKeys else { throw .lambdaService("KMS is not available.") }
        let key: String
        if let keyArn {
            key = keyArn
        } else {
            key = try await keys.awsManagedKey(service: "lambda", accountId: caller.accountId, region: caller.region)
        }
        let dataKey: (plaintext: [UInt8], ciphertextBlob: [UInt8])
        do {
            dataKey = try await keys.generateDataKey(
                keyId: key, caller: caller.onBehalf(via: "lambda"),
                encryptionContext: Self.context(functionArn))
        } catch {
            throw .lambdaKMS(error)
        }
        let json = JSONValue.object(variables.mapValues { .string($0) }).serialized()
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.seal(json, using: SymmetricKey(data: dataKey.plaintext))
        } catch {
            throw .lambdaService("The environment could not be sealed.")
        }
        return SealedEnvironment(
            keyArn: key, encryptedDataKey: dataKey.ciphertextBlob, sealedVariables: Array(box.combined ?? Data()),
            names: variables.keys.sorted())
    }

    /// The variables as `caller` may read them (GetFunction): KMS decides through Lambda.
    func open(_ sealed: SealedEnvironment, functionArn: String, caller: Caller) async throws(AWSError) -> [String: String] {
        guard let keys = integrations.dataKeys else { throw .lambdaService("KMS is not available.") }
        let plaintext: [UInt8]
        do {
            plaintext = try await keys.decrypt(
                ciphertextBlob: sealed.encryptedDataKey, caller: caller.onBehalf(via: "lambda"),
                encryptionContext: Self.context(functionArn))
        } catch {
            throw .lambdaKMS(error)
        }
        return try Self.unseal(sealed, dataKey: plaintext)
    }

    /// The variables for the function's own environment at a cold start, opened by Lambda itself.
    func openForRun(
        _ sealed: SealedEnvironment, functionArn: String, accountId: String, region: String
    ) async throws(AWSError)
        -> [String: String]
    {
        guard let keys = integrations.dataKeys else { throw .lambdaService("KMS is not available.") }
        let plaintext: [UInt8]
        do {
            plaintext = try await keys.decryptForService(
                ciphertextBlob: sealed.encryptedDataKey, encryptionContext: Self.context(functionArn), accountId: accountId,
                region: region)
        } catch {
            throw .lambdaKMS(error)
        }
        return try Self.unseal(sealed, dataKey: plaintext)
    }

    private static func unseal(_ sealed: SealedEnvironment, dataKey: [UInt8]) throws(AWSError) -> [String: String] {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.sealedVariables)
            let json = try AES.GCM.open(box, using: SymmetricKey(data: dataKey))
            let value = try JSONParser.parse(Array(json))
            return (value.objectValue ?? [:]).compactMapValues(\.stringValue)
        } catch {
            throw .lambdaService("The function's environment could not be opened.")
        }
    }

    static func context(_ functionArn: String) -> [String: String] { ["aws:lambda:FunctionArn": functionArn] }
}
