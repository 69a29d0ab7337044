import Foundation
import FunctionRuntime
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Real processes through real awslambdaric and a real `bootstrap`: no mocks.
@Suite(.serialized)
struct FunctionRunnerTests {
    static let app = """
        import json, os, sys, time, subprocess

        def handler(event, context):
            action = event.get("action", "echo")
            if action == "echo":
                print("hello from", context.aws_request_id)
                return {
                    "event": event,
                    "functionName": context.function_name,
                    "requestId": context.aws_request_id,
                    "remaining": context.get_remaining_time_in_millis(),
                    "pid": os.getpid(),
                    "environment": dict(os.environ),
                }
            if action == "raise":
                raise ValueError("bad thing")
            if action == "sleep":
                time.sleep(event.get("seconds", 10))
                return {"pid": os.getpid()}
            if action == "exit":
                print("leaving now")
                os._exit(1)
            if action == "big":
                return "x" * (7 << 20)
            if action == "loud":
                sys.stdout.write(("y" * 1023 + "\\n") * 10240)
                return "done"
            if action == "fork":
                child = subprocess.Popen(["sleep", "1000"])
                escaped = subprocess.Popen(["sleep", "1001"], start_new_session=True)
                return {"child": child.pid, "escaped": escaped.pid, "pid": os.getpid()}
            if action == "memory":
                data = b"x" * (event["mb"] << 20)
                time.sleep(5)
                return len(data)
            return "unknown action"
        """

    let root: URL
    let runner: FunctionRunner

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("FunctionRuntimeTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        runner = FunctionRunner(
            configuration: .init(workRoot: root.appendingPathComponent("work"), maxLogBytesPerInvocation: 1 << 20),
            logger: Logger(label: "FunctionRuntimeTests"))
    }

    func code(_ files: [String: String], executable: Set<String> = []) throws -> URL {
        let directory = root.appendingPathComponent("code-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            let file = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: file)
            if executable.contains(name) {
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
            }
        }
        return directory
    }

    func pythonSpec(
        _ name: String = "app-function", handler: String = "app.handler", files: [String: String]? = nil,
        timeoutSeconds: Int = 5, memoryMB: Int = 128
    ) throws -> FunctionEnvironmentSpec {
        FunctionEnvironmentSpec(
            functionName: name, runtime: "python3.11", handler: handler,
            codeDirectory: try code(files ?? ["app.py": Self.app]), memoryMB: memoryMB,
            timeoutSeconds: timeoutSeconds, configurationKey: "\(name)-\(UUID().uuidString)")
    }

    func invoke(
        _ spec: FunctionEnvironmentSpec, _ payload: [String: Any], requestId: String = UUID().uuidString.lowercased()
    ) async throws -> InvocationOutcome {
        let body = try JSONSerialization.data(withJSONObject: payload)
        let invocation = FunctionInvocation(
            requestId: requestId, payload: Array(body),
            invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:\(spec.functionName)")
        return try await runner.invoke(spec, invocation) {
            ["MY_VARIABLE": "mine", "AWS_REGION": "us-east-1"]
        }
    }

    func json(_ outcome: InvocationOutcome) throws -> [String: Any] {
        let body: [UInt8]
        switch outcome.result {
        case .success(let bytes), .functionError(let bytes): body = bytes
        }
        return try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }

    func messages(_ outcome: InvocationOutcome) -> [String] { outcome.logEvents.map(\.message) }

    /// Gone, or a zombie left to a parent that is not ours.
    func processIsGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true
    }

    func finish() async {
        await runner.shutdown()
        try? FileManager.default.removeItem(at: root)
    }

    // MARK: Tests

    @Test func echoRoundTripsPayloadAndContext() async throws {
        let spec = try pythonSpec()
        let requestId = UUID().uuidString.lowercased()
        let outcome = try await invoke(spec, ["action": "echo", "value": "héllo ✓"], requestId: requestId)
        await finish()
        guard case .success = outcome.result else {
            Issue.record("expected success, got \(outcome.result) \(messages(outcome))")
            return
        }
        let answer = try json(outcome)
        let event = try #require(answer["event"] as? [String: Any])
        #expect(event["value"] as? String == "héllo ✓")
        #expect(answer["functionName"] as? String == "app-function")
        #expect(answer["requestId"] as? String == requestId)
        let remaining = try #require(answer["remaining"] as? Int)
        #expect(remaining > 3000 && remaining <= 5000)
        #expect(messages(outcome).contains("hello from \(requestId)"))
        #expect(outcome.initDurationMs != nil)
    }

    @Test func environmentHoldsOnlyLambdaAndCallerVariables() async throws {
        setenv("RAMPART_FUNCTION_RUNTIME_CANARY", "leaked", 1)
        defer { unsetenv("RAMPART_FUNCTION_RUNTIME_CANARY") }
        let spec = try pythonSpec()
        let outcome = try await invoke(spec, ["action": "echo"])
        await finish()
        let environment = try #require(try json(outcome)["environment"] as? [String: String])
        #expect(environment["RAMPART_FUNCTION_RUNTIME_CANARY"] == nil)
        #expect(environment["MY_VARIABLE"] == "mine")
        #expect(environment["AWS_REGION"] == "us-east-1")
        #expect(environment["AWS_LAMBDA_FUNCTION_NAME"] == "app-function")
        #expect(environment["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST")
        #expect(environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128")
        #expect(environment["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/app-function")
        #expect(environment["AWS_LAMBDA_LOG_STREAM_NAME"] == outcome.logStreamName)
        #expect(environment["AWS_LAMBDA_RUNTIME_API"]?.hasPrefix("127.0.0.1:") == true)
        #expect(environment["LAMBDA_TASK_ROOT"] == spec.codeDirectory.path)
        #expect(environment["_HANDLER"] == "app.handler")
        #expect(environment["TZ"] == ":UTC")
        let home = try #require(environment["HOME"])
        #expect(home.hasPrefix(root.appendingPathComponent("work").path))
        #expect(environment["TMPDIR"] == home)
        let allowed: Set<String> = [
            "MY_VARIABLE", "AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_EXECUTION_ENV", "LAMBDA_TASK_ROOT",
            "LAMBDA_RUNTIME_DIR", "_HANDLER", "TZ", "LANG", "PATH", "HOME", "TMPDIR", "PYTHONPATH",
            // Set by awslambdaric and Python themselves.
            "_X_AMZN_TRACE_ID", "LC_CTYPE",
        ]
        #expect(Set(environment.keys).subtracting(allowed).isEmpty, "\(environment.keys.sorted())")
    }

    @Test func raisedExceptionBecomesFunctionError() async throws {
        let spec = try pythonSpec()
        let outcome = try await invoke(spec, ["action": "raise"])
        let after = try await invoke(spec, ["action": "echo"])
        await finish()
        guard case .functionError = outcome.result else {
            Issue.record("expected a function error, got \(outcome.result)")
            return
        }
        let error = try json(outcome)
        #expect(error["errorType"] as? String == "ValueError")
        #expect(error["errorMessage"] as? String == "bad thing")
        #expect(error["stackTrace"] is [Any])
        // A handled error leaves the environment warm.
        guard case .success = after.result else {
            Issue.record("expected success after the error")
            return
        }
        #expect(after.initDurationMs == nil)
    }

    @Test func warmEnvironmentIsReused() async throws {
        let spec = try pythonSpec()
        let first = try await invoke(spec, ["action": "echo"])
        let second = try await invoke(spec, ["action": "echo"])
        let count = await runner.environmentCount
        await finish()
        #expect(try json(first)["pid"] as? Int == json(second)["pid"] as? Int)
        #expect(first.initDurationMs != nil)
        #expect(second.initDurationMs == nil)
        #expect(first.logStreamName == second.logStreamName)
        #expect(count == 1)
    }

    @Test func timeoutKillsTheEnvironment() async throws {
        let spec = try pythonSpec(timeoutSeconds: 1)
        let warm = try await invoke(spec, ["action": "echo"])
        let started = ContinuousClock.now
        let requestId = UUID().uuidString.lowercased()
        let outcome = try await invoke(spec, ["action": "sleep", "seconds": 10], requestId: requestId)
        let elapsed = ContinuousClock.now - started
        let after = try await invoke(spec, ["action": "echo"])
        await finish()
        #expect(elapsed < .seconds(5))
        #expect(outcome.errorType == "Sandbox.Timedout")
        #expect(
            try json(outcome)["errorMessage"] as? String
                == "RequestId: \(requestId) Error: Task timed out after 1.00 seconds")
        #expect(
            messages(outcome).contains { $0.hasSuffix(" \(requestId) Task timed out after 1.00 seconds") },
            "\(messages(outcome))")
        #expect(outcome.durationMs >= 1000)
        #expect(try json(after)["pid"] as? Int != json(warm)["pid"] as? Int)
        #expect(after.initDurationMs != nil)
    }

    @Test func exitMidCallIsRuntimeExitError() async throws {
        let spec = try pythonSpec()
        let requestId = UUID().uuidString.lowercased()
        let outcome = try await invoke(spec, ["action": "exit"], requestId: requestId)
        let after = try await invoke(spec, ["action": "echo"])
        await finish()
        #expect(outcome.errorType == "Runtime.ExitError")
        #expect(
            try json(outcome)["errorMessage"] as? String
                == "RequestId: \(requestId) Error: Runtime exited with error: exit status 1")
        #expect(messages(outcome).contains("leaving now"))
        #expect(messages(outcome).contains("RequestId: \(requestId) Error: Runtime exited with error: exit status 1"))
        guard case .success = after.result else {
            Issue.record("expected success after the crash")
            return
        }
    }

    @Test func responseOverSixMegabytesIsRefused() async throws {
        let spec = try pythonSpec()
        let outcome = try await invoke(spec, ["action": "big"])
        let after = try await invoke(spec, ["action": "echo"])
        await finish()
        #expect(outcome.errorType == "Function.ResponseSizeTooLarge")
        guard case .success = after.result else {
            Issue.record("expected success after the refused response")
            return
        }
    }

    @Test func loudFunctionsLogIsCapped() async throws {
        let spec = try pythonSpec()
        let outcome = try await invoke(spec, ["action": "loud"])
        let after = try await invoke(spec, ["action": "echo"])
        await finish()
        #expect(outcome.result == .success(Array(#""done""#.utf8)))
        let printed = outcome.logEvents.filter { $0.message.hasPrefix("yyy") }
        let bytes = printed.reduce(0) { $0 + $1.message.utf8.count }
        #expect(bytes <= 1 << 20 && bytes > (1 << 20) - 2048)
        #expect(messages(outcome).contains { $0.contains("log limit") })
        #expect(messages(outcome).last?.hasPrefix("REPORT RequestId: ") == true)
        #expect(!messages(after).contains { $0.hasPrefix("yyy") })
    }

    @Test func forkedChildDiesWithTheEnvironment() async throws {
        let spec = try pythonSpec()
        let outcome = try await invoke(spec, ["action": "fork"])
        let answer = try json(outcome)
        let child = try #require(answer["child"] as? Int)
        let parent = try #require(answer["pid"] as? Int)
        let escaped = try #require(answer["escaped"] as? Int)
        #expect(!processIsGone(Int32(child)))
        #expect(!processIsGone(Int32(escaped)))
        await runner.retire(functionName: spec.functionName)
        let count = await runner.environmentCount
        var gone = false
        for _ in 0..<40 where !gone {
            gone = processIsGone(Int32(child)) && processIsGone(Int32(parent)) && processIsGone(Int32(escaped))
            if !gone { try await Task.sleep(for: .milliseconds(50)) }
        }
        await finish()
        #expect(gone)
        #expect(count == 0)
    }

    @Test func importErrorIsAnInitError() async throws {
        let spec = try pythonSpec(files: ["app.py": "import no_such_module_for_rampart\n"])
        let outcome = try await invoke(spec, ["action": "echo"])
        let count = await runner.environmentCount
        await finish()
        let errorType = try #require(outcome.errorType)
        #expect(errorType.contains("Runtime.ImportModuleError"), "\(errorType)")
        #expect((try json(outcome)["errorMessage"] as? String)?.contains("no_such_module_for_rampart") == true)
        #expect(count == 0)
    }

    @Test func missingHandlerIsAnInitError() async throws {
        let spec = try pythonSpec(handler: "app.no_such_handler")
        let outcome = try await invoke(spec, ["action": "echo"])
        let after = try await invoke(try pythonSpec(), ["action": "echo"])
        await finish()
        #expect(outcome.errorType == "Runtime.HandlerNotFound")
        guard case .success = after.result else {
            Issue.record("expected a healthy function to work after")
            return
        }
    }

    @Test func outOfMemoryKillsTheEnvironment() async throws {
        let spec = try pythonSpec(memoryMB: 128)
        let outcome = try await invoke(spec, ["action": "memory", "mb": 300])
        await finish()
        #expect(outcome.errorType == "Runtime.OutOfMemory")
        #expect(outcome.maxMemoryUsedMB == 128)
    }

    @Test func providedRuntimeRunsBootstrap() async throws {
        let bootstrap = """
            #!/bin/sh
            set -eu
            API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
            while true; do
              HEADERS="$(mktemp)"
              BODY="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
              ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d: -f2 | tr -d '[:space:]')
              echo "bootstrap handled $ID"
              # An unknown request id is refused as AWS does, with a Content-Type.
              curl -sS -o /dev/null -w 'bogus %{http_code} %{content_type}\n' -X POST "$API/invocation/bogus/response" -d '{}'
              if [ "$BODY" = '{"big":true}' ]; then
                # Over 1 MB, curl asks for "100 Continue" first: without one it would wait past the timeout.
                yes z | head -n 2000000 | tr -d '[:space:]' > "$TMPDIR/big"
                curl -sS --expect100-timeout 30 -X POST "$API/invocation/$ID/response" --data-binary "@$TMPDIR/big" > /dev/null
                continue
              fi
              curl -sS -X POST "$API/invocation/$ID/response" -H 'Content-Type: application/json' -d "$BODY" > /dev/null
            done
            """
        let spec = FunctionEnvironmentSpec(
            functionName: "shell-function", runtime: "provided.al2023", handler: "ignored",
            codeDirectory: try code(["bootstrap": bootstrap], executable: ["bootstrap"]),
            configurationKey: UUID().uuidString)
        let requestId = UUID().uuidString.lowercased()
        let outcome = try await invoke(spec, ["hello": "world"], requestId: requestId)
        let second = try await invoke(spec, ["again": 2])
        let big = try await invoke(spec, ["big": true])
        let missing = FunctionEnvironmentSpec(
            functionName: "no-bootstrap", runtime: "provided.al2", handler: "x",
            codeDirectory: try code(["readme.txt": "no bootstrap here"]), configurationKey: UUID().uuidString)
        let invalid = try await invoke(missing, [:])
        await finish()
        #expect(try json(outcome)["hello"] as? String == "world")
        #expect(try json(second)["again"] as? Int == 2)
        #expect(messages(outcome).contains("bootstrap handled \(requestId)"))
        #expect(second.initDurationMs == nil)
        #expect(invalid.errorType == "Runtime.InvalidEntrypoint")
        #expect(messages(outcome).contains("bogus 400 application/json"), "\(messages(outcome))")
        if case .success(let body) = big.result {
            #expect(body.count == 2_000_000 && body.allSatisfy { $0 == UInt8(ascii: "z") })
        } else {
            Issue.record("expected the 2 MB response, got \(big.errorType ?? "?")")
        }
    }

    @Test func concurrentInvocationsGetTwoEnvironments() async throws {
        let spec = try pythonSpec()
        async let first = invoke(spec, ["action": "sleep", "seconds": 1])
        async let second = invoke(spec, ["action": "sleep", "seconds": 1])
        let (a, b) = try await (first, second)
        let count = await runner.environmentCount
        await finish()
        let pidA = try #require(try json(a)["pid"] as? Int)
        let pidB = try #require(try json(b)["pid"] as? Int)
        #expect(pidA != pidB)
        #expect(count == 2)
    }

    @Test func platformLinesAreWellFormed() async throws {
        let spec = try pythonSpec()
        let requestId = UUID().uuidString.lowercased()
        let cold = try await invoke(spec, ["action": "echo"], requestId: requestId)
        let warm = try await invoke(spec, ["action": "echo"])
        await finish()
        let lines = messages(cold)
        #expect(lines.first?.hasPrefix("INIT_START Runtime Version: python:3.11") == true)
        let start = try #require(lines.firstIndex(of: "START RequestId: \(requestId) Version: $LATEST"))
        let hello = try #require(lines.firstIndex(of: "hello from \(requestId)"))
        let end = try #require(lines.firstIndex(of: "END RequestId: \(requestId)"))
        #expect(start < hello && hello < end && end == lines.count - 2)
        let report = try Regex(
            #"REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"#
                + #"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms"#)
        #expect(try report.wholeMatch(in: lines[lines.count - 1]) != nil, "\(lines.last ?? "")")
        #expect(lines[lines.count - 1].hasPrefix("REPORT RequestId: \(requestId)\t"))
        let warmReport = try #require(messages(warm).last)
        #expect(!warmReport.contains("Init Duration"))
        #expect(!messages(warm).contains { $0.hasPrefix("INIT_START") })
        #expect(Double(cold.billedDurationMs) >= cold.durationMs + (cold.initDurationMs ?? 0))
        #expect(cold.maxMemoryUsedMB > 1)
        let stream = try Regex(#"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}"#)
        #expect(try stream.wholeMatch(in: cold.logStreamName) != nil, "\(cold.logStreamName)")
    }

    @Test func runtimeAPIRefusesOtherProcesses() async throws {
        let spec = try pythonSpec()
        let first = try await invoke(spec, ["action": "echo"])
        let environment = try #require(try json(first)["environment"] as? [String: String])
        let address = try #require(environment["AWS_LAMBDA_RUNTIME_API"])
        let port = try #require(UInt16(address.split(separator: ":").last ?? ""))
        // The test process is not the environment's: even a request that would get a 400 at once gets nothing.
        let answer = Self.rawRequest(
            port: port,
            "POST /2018-06-01/runtime/invocation/bogus/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        let second = try await invoke(spec, ["action": "echo"])
        await finish()
        #expect(answer.isEmpty, "\(answer)")
        #expect(try json(second)["pid"] as? Int == json(first)["pid"] as? Int)
    }

    /// Sends `request` to 127.0.0.1:`port` and returns what comes back until the connection closes (2 s at most).
    static func rawRequest(port: UInt16, _ request: String) -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return "socket failed" }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return "connect failed" }
        _ = request.utf8CString.withUnsafeBufferPointer { send(descriptor, $0.baseAddress, $0.count - 1, 0) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    @Test func busyEnvironmentRetiredWhenItsInvocationEnds() async throws {
        let spec = try pythonSpec()
        async let running = invoke(spec, ["action": "sleep", "seconds": 2])
        try await Task.sleep(for: .milliseconds(300))
        // Retired while its environment starts or runs: either way it must not be kept.
        await runner.retire(functionName: spec.functionName)
        let outcome = try await running
        let count = await runner.environmentCount
        await finish()
        // AWS lets an invocation that began before an update finish.
        #expect(try json(outcome)["pid"] is Int)
        #expect(count == 0)
    }

    @Test func shutdownEndsInvocationsInFlight() async throws {
        let spec = try pythonSpec()
        async let running = invoke(spec, ["action": "sleep", "seconds": 10])
        try await Task.sleep(for: .milliseconds(800))
        let started = ContinuousClock.now
        await runner.shutdown()
        let outcome = try await running
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(outcome.errorType == "Runtime.ExitError")
        await #expect(throws: FunctionRuntimeError.shutDown) { try await invoke(spec, ["action": "echo"]) }
        await finish()
    }

    @Test func idleEnvironmentsAreRetired() async throws {
        let spec = try pythonSpec()
        let outcome = try await invoke(spec, ["action": "echo"])
        let pid = try #require(try json(outcome)["pid"] as? Int)
        await runner.retireIdle(now: Date())
        let kept = await runner.environmentCount
        await runner.retireIdle(now: Date().addingTimeInterval(301))
        let left = await runner.environmentCount
        await finish()
        #expect(kept == 1)
        #expect(left == 0)
        #expect(processIsGone(Int32(pid)))
        let leftovers = try? FileManager.default.contentsOfDirectory(
            atPath: root.appendingPathComponent("work/environments").path)
        #expect(leftovers?.isEmpty ?? true)
    }
}
