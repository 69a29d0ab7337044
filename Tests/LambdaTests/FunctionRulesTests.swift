import AWSProtocol
import Foundation
import ServiceKit
import Testing

@testable import Lambda

@Suite("Lambda's names, rules and policies")
struct FunctionRulesTests {
    @Test func functionNamesInEveryForm() {
        #expect(FunctionNames.parse("echo") == .init(name: "echo"))
        #expect(FunctionNames.parse("echo:live") == .init(name: "echo", qualifier: "live"))
        #expect(FunctionNames.parse("111111111111:function:echo") == .init(name: "echo", accountId: "111111111111"))
        #expect(
            FunctionNames.parse("arn:aws:lambda:us-west-2:111111111111:function:echo:7")
                == .init(name: "echo", accountId: "111111111111", region: "us-west-2", qualifier: "7"))
        for bad in [
            "", "a b", "arn:aws:s3:::bucket", "x:y:z", "arn:aws:lambda:us-east-1:1:layer:echo", String(repeating: "a", count: 65),
        ] {
            #expect(FunctionNames.parse(bad) == nil, "\(bad)")
        }
        #expect(FunctionNames.isVersion("$LATEST") && FunctionNames.isVersion("12") && !FunctionNames.isVersion("live"))
    }

    @Test func codeIsAZipAndItsHashIsAWSs() throws {
        #expect(throws: AWSError.self) { try FunctionRules.zip(Array("not a zip".utf8), s3Bucket: nil) }
        #expect(throws: AWSError.self) { try FunctionRules.zip(nil, s3Bucket: "bucket") }
        let empty: [UInt8] = [0x50, 0x4B, 0x05, 0x06] + Array(repeating: 0, count: 18)
        #expect(try FunctionRules.zip(empty, s3Bucket: nil) == empty)
        // sha256("abc"), base64
        #expect(FunctionRules.codeSha256(Array("abc".utf8)) == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
    }

    @Test func lastModifiedAsLambdaWritesIt() {
        #expect(FunctionRules.lastModified(Date(timeIntervalSince1970: 1_700_000_000.25)) == "2023-11-14T22:13:20.250+0000")
    }

    @Test func runtimesAndLimits() {
        #expect(throws: Never.self) { try FunctionRules.checkRuntime("python3.12", handler: "h.handler") }
        #expect(throws: AWSError.self) { try FunctionRules.checkRuntime("python2.7", handler: "h.handler") }
        #expect(throws: AWSError.self) { try FunctionRules.checkRuntime("nodejs20.x", handler: "h.handler") }
        #expect(throws: AWSError.self) { try FunctionRules.checkRuntime("python3.12", handler: nil) }
        #expect(throws: AWSError.self) { try FunctionRules.checkLimits(timeout: 901, memorySize: nil) }
        #expect(throws: AWSError.self) { try FunctionRules.checkLimits(timeout: nil, memorySize: 127) }
    }

    @Test func pagesWithOpaqueMarkers() throws {
        let items = (1...7).map(String.init)
        var seen: [String] = []
        var marker: String?
        repeat {
            let (page, next) = try FunctionRules.page(items, marker: marker, maxItems: 3) { $0 }
            seen += page
            marker = next
        } while marker != nil
        #expect(seen == items)
        #expect(throws: AWSError.self) { try FunctionRules.page(items, marker: "bm9wZQ==", maxItems: 3) { $0 } }
    }

    @Test func permissionStatementsAsAWSWritesThem() throws {
        let text = try FunctionPolicy.statement(
            sid: "events", action: "lambda:InvokeFunction", principal: "events.amazonaws.com",
            resource: "arn:aws:lambda:us-east-1:111111111111:function:f",
            sourceArn: "arn:aws:events:us-east-1:111111111111:rule/r", sourceAccount: "111111111111", principalOrgId: nil,
            eventSourceToken: nil)
        let statement = try JSONParser.parse(Array(text.utf8))
        #expect(statement["Principal"]?["Service"]?.stringValue == "events.amazonaws.com")
        #expect(
            statement["Condition"]?["ArnLike"]?["AWS:SourceArn"]?.stringValue == "arn:aws:events:us-east-1:111111111111:rule/r")
        #expect(statement["Condition"]?["StringEquals"]?["AWS:SourceAccount"]?.stringValue == "111111111111")
        let account = try JSONParser.parse(
            Array(
                try FunctionPolicy.statement(
                    sid: "a", action: "InvokeFunction", principal: "222222222222", resource: "r", sourceArn: nil,
                    sourceAccount: nil, principalOrgId: nil, eventSourceToken: nil
                ).utf8))
        #expect(account["Principal"]?["AWS"]?.stringValue == "arn:aws:iam::222222222222:root")
        #expect(account["Action"]?.stringValue == "lambda:InvokeFunction")
        #expect(throws: AWSError.self) {
            try FunctionPolicy.statement(
                sid: "x", action: "s3:GetObject", principal: "*", resource: "r", sourceArn: nil, sourceAccount: nil,
                principalOrgId: nil, eventSourceToken: nil)
        }
    }

    @Test func publishingTheSameCodeAndConfigurationGivesTheSameVersion() {
        let v = FunctionVersion(
            version: "$LATEST", runtime: "python3.12", handler: "h.h", role: "r", description: "", timeout: 3, memorySize: 128,
            codeSha256: "abc", codeSize: 1, environment: nil, kmsKeyArn: nil, lastModified: "t", revisionId: "1",
            architectures: ["x86_64"], ephemeralStorage: 512, tracingMode: "PassThrough", deadLetterTarget: nil,
            logFormat: "Text", logGroup: nil, packageType: "Zip")
        var f = StoredFunction(accountId: "111111111111", region: "us-east-1", name: "f", latest: v)
        f.publish(description: nil)
        f.publish(description: nil)
        #expect(f.versions.map(\.version) == ["1"])
        f.latest.timeout = 9
        f.publish(description: "two")
        #expect(f.versions.map(\.version) == ["1", "2"])
        #expect(f.version("2")?.description == "two")
        f.aliases["live"] = FunctionAlias(name: "live", functionVersion: "1", description: "", revisionId: "x")
        #expect(f.version("live")?.timeout == 3)
        #expect(f.version(nil)?.timeout == 9)
        #expect(f.version("3") == nil)
    }

    @Test func destinationRecordsAsAWSSendsThem() throws {
        let q = FunctionStore.QueuedInvocation(
            id: "req-1", accountId: "111111111111", region: "us-east-1", functionName: "f", qualifier: "$LATEST",
            payload: Array(#"{"a":1}"#.utf8), enqueuedAt: 0, attempts: 2, nextAt: 0)
        let record = try JSONParser.parse(
            AsyncInvocations.destinationRecord(
                q, version: "$LATEST",
                result: ExecutionResult(payload: Array(#"{"errorType":"ValueError"}"#.utf8), functionError: "Unhandled", log: ""),
                condition: "RetriesExhausted", attempts: 3, now: Date(timeIntervalSince1970: 0)))
        #expect(record["requestContext"]?["condition"]?.stringValue == "RetriesExhausted")
        #expect(record["requestContext"]?["approximateInvokeCount"]?.intValue == 3)
        #expect(
            record["requestContext"]?["functionArn"]?.stringValue == "arn:aws:lambda:us-east-1:111111111111:function:f:$LATEST")
        #expect(record["requestPayload"]?["a"]?.intValue == 1)
        #expect(record["responseContext"]?["functionError"]?.stringValue == "Unhandled")
        #expect(record["responsePayload"]?["errorType"]?.stringValue == "ValueError")
    }
}

@Suite("Lambda's records")
struct LambdaRecordTests {
    @Test func eventNamesCarryTheAPIVersion() {
        #expect(LambdaOperations.table["CreateFunction"]?.eventName == "CreateFunction20150331")
        #expect(LambdaOperations.table["UpdateFunctionCode"]?.eventName == "UpdateFunctionCode20150331v2")
        #expect(LambdaOperations.table["TagResource"]?.eventName == "TagResource20170331v2")
        #expect(LambdaOperations.table["Invoke"]?.eventName == nil)
        #expect(LambdaOperations.table["Invoke"]?.action == "lambda:InvokeFunction")
        #expect(LambdaOperations.table["Invoke"]?.category == .data)
    }
}
