import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// AWS Lambda's Runtime API (`/2018-06-01`) for one environment: the runtime asks for its next
/// invocation and posts each one's response or error, or its init error.
///
/// Every answer has a `Content-Type`: awslambdaric's client fails without one.
final class RuntimeAPIHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let prefix = "/2018-06-01/runtime/"
    private static let nextWaiterIDs = AtomicCounter()

    private let environment: ExecutionEnvironment
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var bodyTooLarge = false
    private var waiterID: Int?
    private var active = true

    init(environment: ExecutionEnvironment) {
        self.environment = environment
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let clientPort = context.remoteAddress?.port, let serverPort = context.localAddress?.port,
            environment.acceptsConnection(clientPort: clientPort, serverPort: serverPort)
        else {
            active = false
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard active else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            bodyTooLarge = false
            if head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case .body(let chunk):
            guard !bodyTooLarge else { return }
            if body.count + chunk.readableBytes > ExecutionEnvironment.maximumResponseBytes {
                bodyTooLarge = true
                body = []
            } else {
                body.append(contentsOf: chunk.readableBytesView)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            route(context: context, head: head)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        if let waiterID {
            environment.cancelNext(waiterID: waiterID)
        }
        context.fireChannelInactive()
    }

    private func route(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path.hasPrefix(Self.prefix) else {
            return respond(context, head, .notFound, Self.errorBody("UnknownPath", "Unknown path \(path)"))
        }
        let parts = path.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        switch (head.method, parts.count, parts.first, parts.last) {
        case (.GET, 2, "invocation", "next"):
            next(context: context, head: head)
        case (.POST, 3, "invocation", "response"):
            let requestId = String(parts[1])
            if bodyTooLarge {
                let answer = environment.answer(requestId: requestId, with: .responseTooLarge)
                guard answer == .accepted else { return refuse(context, head, answer) }
                respond(
                    context, head, .payloadTooLarge,
                    Self.errorBody(
                        "RequestEntityTooLarge",
                        "Exceeded maximum allowed payload size (\(ExecutionEnvironment.maximumResponseBytes) bytes)."))
            } else {
                accept(context, head, environment.answer(requestId: requestId, with: .response(body)))
            }
        case (.POST, 3, "invocation", "error"):
            let requestId = String(parts[1])
            accept(context, head, environment.answer(requestId: requestId, with: .error(errorBody(head))))
        case (.POST, 2, "init", "error"):
            accept(context, head, environment.initFailed(body: errorBody(head)))
        default:
            respond(context, head, .notFound, Self.errorBody("UnknownPath", "Unknown path \(path)"))
        }
    }

    private func next(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let waiterID = Self.nextWaiterIDs.next()
        self.waiterID = waiterID
        let promise = context.eventLoop.makePromise(of: NextInvocation.self)
        promise.futureResult.assumeIsolated().whenComplete { [self] result in
            self.waiterID = nil
            guard active, case .success(let next) = result else { return }
            var headers = HTTPHeaders()
            headers.add(name: "Lambda-Runtime-Aws-Request-Id", value: next.requestId)
            headers.add(name: "Lambda-Runtime-Deadline-Ms", value: String(next.deadlineMs))
            headers.add(name: "Lambda-Runtime-Invoked-Function-Arn", value: next.invokedFunctionArn)
            headers.add(name: "Lambda-Runtime-Trace-Id", value: next.traceId)
            if let clientContext = next.clientContext {
                headers.add(name: "Lambda-Runtime-Client-Context", value: clientContext)
            }
            respond(context, head, .ok, next.payload, headers: headers)
        }
        environment.awaitNext(waiterID: waiterID, promise: promise)
    }

    /// The error JSON as posted; an empty body becomes one from the `Lambda-Runtime-Function-Error-Type` header.
    private func errorBody(_ head: HTTPRequestHead) -> [UInt8] {
        guard body.isEmpty || bodyTooLarge else { return body }
        let type = head.headers["Lambda-Runtime-Function-Error-Type"].first ?? "Unhandled"
        return Self.errorBody(type, "")
    }

    private func accept(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ answer: RuntimeAPIAnswer) {
        guard answer == .accepted else { return refuse(context, head, answer) }
        respond(context, head, .accepted, Array(#"{"status":"OK"}"#.utf8))
    }

    private func refuse(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ answer: RuntimeAPIAnswer) {
        switch answer {
        case .accepted:
            respond(context, head, .accepted, Array(#"{"status":"OK"}"#.utf8))
        case .unknownRequestID:
            respond(context, head, .badRequest, Self.errorBody("InvalidRequestID", "Invalid request ID"))
        case .alreadyAnswered:
            respond(
                context, head, .forbidden,
                Self.errorBody("InvalidStateTransition", "State transition from ResponseSent to Response failed"))
        }
    }

    private func respond(
        _ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ status: HTTPResponseStatus, _ body: [UInt8],
        headers: HTTPHeaders = HTTPHeaders()
    ) {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    static func errorBody(_ type: String, _ message: String) -> [UInt8] {
        RuntimeErrorBody(errorMessage: message, errorType: type).json
    }
}

/// The error JSON Lambda gives Invoke's caller: `{"errorMessage":…,"errorType":…}`.
struct RuntimeErrorBody: Encodable {
    var errorMessage: String
    var errorType: String

    var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map(Array.init) ?? Array("{}".utf8)
    }
}

/// Ids for the waiting `next` requests, so a closed connection withdraws only its own.
final class AtomicCounter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}
