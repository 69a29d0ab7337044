import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How an invocation ended, before it is put in AWS's words.
enum InvocationEnding: Sendable, Equatable {
    /// `POST /runtime/invocation/{id}/response`.
    case response([UInt8])
    /// `POST /runtime/invocation/{id}/error`.
    case error([UInt8])
    /// A response over 6 MB.
    case responseTooLarge
    /// `POST /runtime/init/error`.
    case initError([UInt8])
    case exited(ExitStatus)
    case timedOut
    case outOfMemory

    /// The case's name, for log lines (never the bytes it carries).
    var name: String {
        switch self {
        case .response: "response"
        case .error: "error"
        case .responseTooLarge: "responseTooLarge"
        case .initError: "initError"
        case .exited: "exited"
        case .timedOut: "timedOut"
        case .outOfMemory: "outOfMemory"
        }
    }

    /// The environment may take another invocation after this.
    var leavesEnvironmentReusable: Bool {
        switch self {
        case .response, .error: true
        default: false
        }
    }
}

/// What `GET /runtime/invocation/next` answers.
struct NextInvocation: Sendable {
    var requestId: String
    var payload: [UInt8]
    var deadlineMs: Int64
    var invokedFunctionArn: String
    var traceId: String
    var clientContext: String?
}

/// What a POST to the Runtime API came to.
enum RuntimeAPIAnswer: Sendable, Equatable {
    case accepted
    case unknownRequestID
    case alreadyAnswered
}

/// The record of one run, read by the runner to build the outcome.
struct InvocationRecord: Sendable {
    var ending: InvocationEnding
    var wasColdStart: Bool
    var handedOver: Bool
    var durationMs: Double
    var initDurationMs: Double?
    var maxResidentBytes: Int
}

/// One execution environment: a process group, its own Runtime API server on a loopback port, its
/// scratch folder and its log stream. It runs one invocation at a time.
final class ExecutionEnvironment: Sendable {
    /// Lambda's limit on a synchronous response.
    static let maximumResponseBytes = 6_291_456
    /// Lambda's init phase may last this long before the invoke phase's own timeout starts.
    static let initPhaseSeconds = 10

    private struct Current: Sendable {
        var invocation: FunctionInvocation
        var timeoutSeconds: Int
        var memoryLimitBytes: Int
        var submittedAt: ContinuousClock.Instant
        var handedOverAt: ContinuousClock.Instant?
        var endedAt: ContinuousClock.Instant?
        var ending: InvocationEnding?
        var continuation: CheckedContinuation<InvocationEnding, Never>?
        var timer: Scheduled<Void>?
        var sampler: RepeatedTask?
        var maxResidentBytes = 0
        var wasColdStart: Bool
    }

    private struct State: Sendable {
        var process: ChildProcess?
        var spawnedAt: ContinuousClock.Instant?
        var initCompletedAt: ContinuousClock.Instant?
        var initError: [UInt8]?
        var reaped = false
        var exitStatus: ExitStatus?
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
        var current: Current?
        var nextWaiter: (id: Int, promise: EventLoopPromise<NextInvocation>)?
        var output: OutputCapture
        var invocationCount = 0
        var serverChannel: (any Channel)?
        var outputChannels: [(descriptor: Int32, channel: any Channel, open: Bool)] = []
        var terminated = false

        /// Ends the current invocation if it is still running; returns the continuation to resume.
        mutating func finish(
            _ ending: InvocationEnding, at now: ContinuousClock.Instant
        ) -> Resume? {
            guard var current, current.ending == nil, let continuation = current.continuation else { return nil }
            current.ending = ending
            current.endedAt = now
            current.continuation = nil
            current.timer?.cancel()
            current.sampler?.cancel()
            current.timer = nil
            current.sampler = nil
            self.current = current
            return (continuation, ending)
        }
    }

    let id: String
    let spec: FunctionEnvironmentSpec
    let logStreamName: String
    let directory: URL
    let eventLoop: any EventLoop
    private let logger: Logger
    private let state: Mutex<State>

    init(spec: FunctionEnvironmentSpec, directory: URL, logStreamName: String, maxLogBytes: Int, logger: Logger) {
        self.id = directory.lastPathComponent
        self.spec = spec
        self.directory = directory
        self.logStreamName = logStreamName
        self.eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        var logger = logger
        logger[metadataKey: "function"] = "\(spec.functionName)"
        logger[metadataKey: "environment"] = "\(directory.lastPathComponent)"
        self.logger = logger
        self.state = Mutex(State(output: OutputCapture(limit: maxLogBytes)))
    }

    // MARK: Starting

    /// Binds the Runtime API server on 127.0.0.1 and returns its `host:port`.
    func startRuntimeAPI() async throws(FunctionRuntimeError) -> String {
        let bootstrap = ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RuntimeAPIHandler(environment: self))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        } catch {
            throw .cannotStartRuntimeAPI("\(error)")
        }
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw .cannotStartRuntimeAPI("no local port")
        }
        state.withLock { $0.serverChannel = channel }
        return "127.0.0.1:\(port)"
    }

    /// Starts the process, its output readers and the thread that reaps it.
    func launch(
        executable: String, arguments: [String], environment: [String: String], initStartLine: String
    ) async throws(FunctionRuntimeError) {
        let now = ContinuousClock.now
        state.withLock { $0.output.appendPlatformLine(initStartLine, timestamp: Self.timestamp()) }
        let process = try ChildProcess.spawn(
            executable: executable, arguments: arguments, environment: environment,
            directory: spec.codeDirectory.path)
        state.withLock {
            $0.process = process
            $0.spawnedAt = now
        }
        logger.debug("started function process", metadata: ["pid": "\(process.pid)"])

        for (stream, descriptor) in process.outputDescriptors.enumerated() {
            do {
                let channel = try await NIOPipeBootstrap(group: eventLoop)
                    .channelInitializer { [self] channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                OutputReader(environment: self, stream: stream, descriptor: descriptor))
                        }
                    }
                    .takingOwnershipOfDescriptor(input: descriptor).get()
                state.withLock { $0.outputChannels.append((descriptor, channel, true)) }
            } catch {
                close(descriptor)
                logger.warning("cannot read the function's output", metadata: ["error": "\(error)"])
            }
        }

        let thread = Thread { [self] in
            process.waitForExitWithoutReaping()
            processExited()
        }
        thread.name = "FunctionRuntime reaper \(process.pid)"
        thread.start()
    }

    // MARK: Invocations

    var pid: pid_t? { state.withLock { $0.process?.pid } }

    /// The environment has neither failed nor been retired: it may take another invocation.
    var isUsable: Bool {
        state.withLock { $0.exitStatus == nil && $0.initError == nil && !$0.terminated }
    }

    /// Runs one invocation to its end: a response, an error, a timeout, a crash.
    func run(_ invocation: FunctionInvocation, timeoutSeconds: Int, memoryLimitBytes: Int) async -> InvocationRecord {
        let ending = await withCheckedContinuation { (continuation: CheckedContinuation<InvocationEnding, Never>) in
            submit(invocation, timeoutSeconds: timeoutSeconds, memoryLimitBytes: memoryLimitBytes, continuation)
        }
        // One sample at the end too: a run shorter than the sampling period is measured all the same.
        let lastSample = state.withLock { $0.reaped ? nil : $0.process }?.residentBytes() ?? 0
        return state.withLock { state in
            let current = state.current!
            state.current = nil
            let end = current.endedAt ?? .now
            let start = current.handedOverAt ?? current.submittedAt
            var initDuration: Double?
            if current.wasColdStart, let spawnedAt = state.spawnedAt {
                initDuration = Self.milliseconds(
                    (state.initCompletedAt ?? current.handedOverAt ?? end) - spawnedAt)
            }
            return InvocationRecord(
                ending: ending, wasColdStart: current.wasColdStart, handedOver: current.handedOverAt != nil,
                durationMs: Self.milliseconds(end - start), initDurationMs: initDuration,
                maxResidentBytes: max(current.maxResidentBytes, lastSample))
        }
    }

    private typealias Resume = (CheckedContinuation<InvocationEnding, Never>, InvocationEnding)

    private func submit(
        _ invocation: FunctionInvocation, timeoutSeconds: Int, memoryLimitBytes: Int,
        _ continuation: CheckedContinuation<InvocationEnding, Never>
    ) {
        let now = ContinuousClock.now
        var resume: Resume?
        var handOver: (EventLoopPromise<NextInvocation>, NextInvocation)?
        state.withLock { state in
            let cold = state.invocationCount == 0
            state.invocationCount += 1
            state.current = Current(
                invocation: invocation, timeoutSeconds: timeoutSeconds, memoryLimitBytes: memoryLimitBytes,
                submittedAt: now, continuation: continuation, wasColdStart: cold)
            if let initError = state.initError {
                resume = state.finish(.initError(initError), at: now)
                return
            }
            if let exitStatus = state.exitStatus {
                resume = state.finish(.exited(exitStatus), at: now)
                return
            }
            let requestId = invocation.requestId
            let initSeconds = state.initCompletedAt == nil ? Self.initPhaseSeconds : 0
            state.current?.timer = eventLoop.scheduleTask(in: .seconds(Int64(timeoutSeconds + initSeconds))) {
                [self] in
                expire(requestId, because: .timedOut)
            }
            state.current?.sampler = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(100)) {
                [self] _ in
                sampleMemory(requestId)
            }
            guard let waiter = state.nextWaiter, let next = handOverCurrent(&state, at: now) else { return }
            state.nextWaiter = nil
            handOver = (waiter.promise, next)
        }
        if let (promise, next) = handOver { promise.succeed(next) }
        if let (continuation, ending) = resume { continuation.resume(returning: ending) }
    }

    /// Hands the current invocation to the runtime, if there is one waiting; called under the lock.
    private func handOverCurrent(_ state: inout State, at now: ContinuousClock.Instant) -> NextInvocation? {
        guard var current = state.current, current.ending == nil, current.handedOverAt == nil else { return nil }
        current.handedOverAt = now
        current.timer?.cancel()
        let requestId = current.invocation.requestId
        current.timer = eventLoop.scheduleTask(in: .seconds(Int64(current.timeoutSeconds))) { [self] in
            expire(requestId, because: .timedOut)
        }
        state.current = current
        state.output.appendPlatformLine(
            "START RequestId: \(requestId) Version: \(spec.version)", timestamp: Self.timestamp())
        let deadline = Int64(Date().timeIntervalSince1970 * 1000) + Int64(current.timeoutSeconds) * 1000
        return NextInvocation(
            requestId: requestId, payload: current.invocation.payload, deadlineMs: deadline,
            invokedFunctionArn: current.invocation.invokedFunctionArn, traceId: Self.makeTraceId(),
            clientContext: current.invocation.clientContext)
    }

    private func expire(_ requestId: String, because ending: InvocationEnding) {
        let resume = state.withLock { state -> Resume? in
            guard state.current?.invocation.requestId == requestId else { return nil }
            let resume = state.finish(ending, at: .now)
            if resume != nil { killGroupLocked(state) }
            return resume
        }
        if let (continuation, ending) = resume {
            // The ending's name only: its payload is the function's answer, never logged.
            logger.debug("invocation stopped", metadata: ["requestId": "\(requestId)", "ending": "\(ending.name)"])
            continuation.resume(returning: ending)
        }
    }

    private func sampleMemory(_ requestId: String) {
        guard
            let (process, limit) = state.withLock({ state -> (ChildProcess, Int)? in
                guard let process = state.process, !state.reaped, let current = state.current,
                    current.invocation.requestId == requestId, current.ending == nil
                else { return nil }
                return (process, current.memoryLimitBytes)
            })
        else { return }
        let resident = process.residentBytes()
        state.withLock { state in
            guard state.current?.invocation.requestId == requestId else { return }
            state.current!.maxResidentBytes = max(state.current!.maxResidentBytes, resident)
        }
        if resident > limit { expire(requestId, because: .outOfMemory) }
    }

    // MARK: The Runtime API's side

    /// `GET /runtime/invocation/next`: answers at once if an invocation waits, else when one comes.
    func awaitNext(waiterID: Int, promise: EventLoopPromise<NextInvocation>) {
        let next = state.withLock { state -> NextInvocation? in
            let now = ContinuousClock.now
            if state.initCompletedAt == nil { state.initCompletedAt = now }
            if let next = handOverCurrent(&state, at: now) { return next }
            state.nextWaiter = (waiterID, promise)
            return nil
        }
        if let next { promise.succeed(next) }
    }

    /// Whether a connection to the Runtime API comes from this environment's own processes: another
    /// environment's function could otherwise find the port and take this one's invocations.
    func acceptsConnection(clientPort: Int, serverPort: Int) -> Bool {
        // The process may connect before `launch` has recorded it, right after posix_spawn returns.
        for _ in 0..<1000 {
            let (process, gone) = state.withLock { ($0.process, $0.reaped || $0.terminated) }
            if gone { return false }
            if let process { return process.ownsLoopbackConnection(clientPort: clientPort, serverPort: serverPort) }
            usleep(1000)
        }
        return false
    }

    /// The runtime's connection closed while it waited for an invocation.
    func cancelNext(waiterID: Int) {
        let promise = state.withLock { state -> EventLoopPromise<NextInvocation>? in
            guard let waiter = state.nextWaiter, waiter.id == waiterID else { return nil }
            state.nextWaiter = nil
            return waiter.promise
        }
        promise?.fail(ChannelError.ioOnClosedChannel)
    }

    /// `POST /runtime/invocation/{id}/response` and `/error`, and a response refused as too large.
    func answer(requestId: String, with ending: InvocationEnding) -> RuntimeAPIAnswer {
        let (answer, resume) = state.withLock {
            state -> (RuntimeAPIAnswer, Resume?) in
            guard let current = state.current, current.invocation.requestId == requestId,
                current.handedOverAt != nil
            else { return (.unknownRequestID, nil) }
            guard let resume = state.finish(ending, at: .now) else { return (.alreadyAnswered, nil) }
            return (.accepted, resume)
        }
        if let (continuation, ending) = resume { continuation.resume(returning: ending) }
        return answer
    }

    /// `POST /runtime/init/error`: every waiting invocation gets this body; the environment is not reused.
    func initFailed(body: [UInt8]) -> RuntimeAPIAnswer {
        let resume = state.withLock { state in
            guard state.initError == nil else { return nil as Resume? }
            state.initError = body
            return state.finish(.initError(body), at: .now)
        }
        if let (continuation, ending) = resume { continuation.resume(returning: ending) }
        return .accepted
    }

    // MARK: Output

    func appendOutput(stream: Int, bytes: UnsafeRawBufferPointer) {
        let timestamp = Self.timestamp()
        state.withLock { $0.output.append(stream: stream, bytes: bytes, timestamp: timestamp) }
    }

    func outputClosed(descriptor: Int32) {
        state.withLock { state in
            for index in state.outputChannels.indices where state.outputChannels[index].descriptor == descriptor {
                state.outputChannels[index].open = false
            }
        }
    }

    /// Waits until what the process wrote before now has been read, so that lines printed just before
    /// a response belong to its invocation.
    func drainOutput() async {
        let channels = state.withLock { $0.outputChannels.filter(\.open) }
        for (descriptor, channel, _) in channels {
            for _ in 0..<200 {
                let stillOpen = state.withLock { state in
                    state.outputChannels.contains { $0.descriptor == descriptor && $0.open }
                }
                guard stillOpen, ChildProcess.pendingBytes(in: descriptor) > 0 else { break }
                try? await Task.sleep(for: .milliseconds(2))
            }
            // Bytes read from the pipe are handled in the same event loop tick: after this, they are captured.
            try? await channel.eventLoop.submit {}.get()
        }
    }

    func appendPlatformLine(_ message: String) {
        let timestamp = Self.timestamp()
        state.withLock { $0.output.appendPlatformLine(message, timestamp: timestamp) }
    }

    func takeLogEvents() -> [FunctionLogEvent] {
        let timestamp = Self.timestamp()
        return state.withLock { $0.output.take(timestamp: timestamp) }
    }

    // MARK: Ending

    private func processExited() {
        let (status, resume, waiter, exitWaiters) = state.withLock { state in
            guard let process = state.process else {
                return (
                    ExitStatus(waitStatus: 0), nil as Resume?,
                    nil as EventLoopPromise<NextInvocation>?, [CheckedContinuation<Void, Never>]()
                )
            }
            // The group's id is still reserved by the unreaped leader: children it forked die with it.
            process.killGroup()
            let status = process.reap()
            state.reaped = true
            state.exitStatus = status
            let ending = state.initError.map(InvocationEnding.initError) ?? .exited(status)
            let resume = state.finish(ending, at: .now)
            let waiter = state.nextWaiter?.promise
            state.nextWaiter = nil
            let exitWaiters = state.exitWaiters
            state.exitWaiters = []
            return (status, resume, waiter, exitWaiters)
        }
        logger.debug("function process exited", metadata: ["status": "\(status)"])
        waiter?.fail(ChannelError.ioOnClosedChannel)
        if let (continuation, ending) = resume { continuation.resume(returning: ending) }
        for waiter in exitWaiters { waiter.resume() }
    }

    private func killGroupLocked(_ state: State) {
        guard let process = state.process, !state.reaped else { return }
        process.killGroup()
    }

    /// Kills the process group, waits for the process to be reaped, closes the server and the pipes and
    /// removes the scratch folder.
    func terminate() async {
        let (channels, hasProcess) = state.withLock { state in
            state.terminated = true
            killGroupLocked(state)
            let channels = [state.serverChannel].compactMap { $0 } + state.outputChannels.map(\.channel)
            state.serverChannel = nil
            return (channels, state.process != nil)
        }
        if hasProcess {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state in
                    if state.reaped { return true }
                    state.exitWaiters.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        }
        for channel in channels {
            try? await channel.close()
        }
        try? FileManager.default.removeItem(at: directory)
        logger.debug("retired environment")
    }

    // MARK: Helpers

    static func timestamp() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// An X-Ray trace header as Lambda passes it: `Root=1-<time>-<24 hex>;Parent=<16 hex>;Sampled=0`.
    static func makeTraceId() -> String {
        let time = String(UInt32(Date().timeIntervalSince1970), radix: 16)
        return "Root=1-\(time)-\(randomHex(12));Parent=\(randomHex(8));Sampled=0"
    }

    static func randomHex(_ byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<byteCount).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }
}

/// Reads one of the process's output pipes into the environment's log.
private final class OutputReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let environment: ExecutionEnvironment
    private let stream: Int
    private let descriptor: Int32

    init(environment: ExecutionEnvironment, stream: Int, descriptor: Int32) {
        self.environment = environment
        self.stream = stream
        self.descriptor = descriptor
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { environment.appendOutput(stream: stream, bytes: $0) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        environment.outputClosed(descriptor: descriptor)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
