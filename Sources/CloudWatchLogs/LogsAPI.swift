import AWSProtocol
import AccessControl
import Foundation
import Identity
import RampartCore
import ServiceKit

/// CloudWatch Logs on the wire (JSON 1.1): reads the typed requests, authorizes each call by the
/// caller's policies, and answers AWS's shapes.
struct LogsAPI: OperationHandler {
    let store: LogStore
    let clock: any ServiceClock
    let authorize: @Sendable (Caller, String, String, [String: [String]]) -> AWSError?

    typealias Shapes = CloudWatchLogsShapes

    var now: Int64 { Int64((clock.now.timeIntervalSince1970 * 1000).rounded(.down)) }

    func handle(_ call: Invocation) async throws(AWSError) -> Reply {
        .json(try await handle(call.operation, call.input, call.caller))
    }

    private func handle(_ operation: String, _ input: RequestInput, _ caller: Caller) async throws(AWSError) -> JSONValue {
        switch operation {
        case "CreateLogGroup": return try await createLogGroup(Shapes.CreateLogGroupRequest(input), caller)
        case "DeleteLogGroup":
            let name = Shapes.DeleteLogGroupRequest(input).logGroupName
            try check(caller, operation, group: name)
            guard
                try await stored({ try await store.deleteGroup(accountId: caller.accountId, region: caller.region, name: name) })
            else { throw .logGroupNotFound() }
            return [:]
        case "DescribeLogGroups": return try await describeLogGroups(Shapes.DescribeLogGroupsRequest(input), caller)
        case "CreateLogStream":
            let request = Shapes.CreateLogStreamRequest(input)
            try check(caller, operation, group: request.logGroupName, stream: request.logStreamName)
            let now = self.now
            switch try await stored({
                try await store.createStream(
                    accountId: caller.accountId, region: caller.region, group: request.logGroupName,
                    name: request.logStreamName, at: now)
            }) {
            case .noGroup: throw .logGroupNotFound()
            case .exists: throw .logStreamExists()
            case .done, .noStream: return [:]
            }
        case "DeleteLogStream":
            let request = Shapes.DeleteLogStreamRequest(input)
            try check(caller, operation, group: request.logGroupName, stream: request.logStreamName)
            switch try await stored({
                try await store.deleteStream(
                    accountId: caller.accountId, region: caller.region, group: request.logGroupName, name: request.logStreamName)
            }) {
            case .noGroup: throw .logGroupNotFound()
            case .noStream: throw .logStreamNotFound()
            case .done, .exists: return [:]
            }
        case "DescribeLogStreams": return try await describeLogStreams(Shapes.DescribeLogStreamsRequest(input), caller)
        case "PutLogEvents": return try await putLogEvents(Shapes.PutLogEventsRequest(input), caller)
        case "GetLogEvents": return try await getLogEvents(Shapes.GetLogEventsRequest(input), caller)
        case "FilterLogEvents": return try await filterLogEvents(Shapes.FilterLogEventsRequest(input), caller)
        case "PutRetentionPolicy":
            let request = Shapes.PutRetentionPolicyRequest(input)
            try check(caller, operation, group: request.logGroupName)
            try LogRules.checkRetention(request.retentionInDays)
            try await updateGroup(request.logGroupName, caller) { $0.retentionDays = request.retentionInDays }
            return [:]
        case "DeleteRetentionPolicy":
            let name = Shapes.DeleteRetentionPolicyRequest(input).logGroupName
            try check(caller, operation, group: name)
            try await updateGroup(name, caller) { $0.retentionDays = nil }
            return [:]
        case "TagResource":
            let request = Shapes.TagResourceRequest(input)
            let name = try groupName(arn: request.resourceArn, caller)
            try check(caller, operation, group: name)
            try await updateGroup(name, caller) { group throws(AWSError) in
                group.tags.merge(request.tags) { $1 }
                try Self.checkTagCount(group.tags)
            }
            return [:]
        case "UntagResource":
            let request = Shapes.UntagResourceRequest(input)
            let name = try groupName(arn: request.resourceArn, caller)
            try check(caller, operation, group: name)
            try await updateGroup(name, caller) { group in for key in request.tagKeys { group.tags.removeValue(forKey: key) } }
            return [:]
        case "ListTagsForResource":
            let name = try groupName(arn: Shapes.ListTagsForResourceRequest(input).resourceArn, caller)
            try check(caller, operation, group: name)
            return Shapes.ListTagsForResourceResponse(tags: try await existingGroup(name, caller).tags).jsonValue
        case "TagLogGroup":
            let request = Shapes.TagLogGroupRequest(input)
            try check(caller, operation, group: request.logGroupName)
            try await updateGroup(request.logGroupName, caller) { group throws(AWSError) in
                group.tags.merge(request.tags) { $1 }
                try Self.checkTagCount(group.tags)
            }
            return [:]
        case "UntagLogGroup":
            let request = Shapes.UntagLogGroupRequest(input)
            try check(caller, operation, group: request.logGroupName)
            try await updateGroup(request.logGroupName, caller) { group in
                for key in request.tags { group.tags.removeValue(forKey: key) }
            }
            return [:]
        case "ListTagsLogGroup":
            let name = Shapes.ListTagsLogGroupRequest(input).logGroupName
            try check(caller, operation, group: name)
            return Shapes.ListTagsLogGroupResponse(tags: try await existingGroup(name, caller).tags).jsonValue
        default:
            throw .logsUnsupported("The operation \(operation)")
        }
    }

    // MARK: Authorization and names

    /// The caller's policies decide (log groups have no resource policy of their own).
    private func check(_ caller: Caller, _ operation: String, group: String?, stream: String? = nil) throws(AWSError) {
        var resource = LogGroup.arn(accountId: caller.accountId, region: caller.region, name: group ?? "*")
        if let stream { resource += ":log-stream:\(stream)" }
        if let denial = authorize(caller, "logs:\(operation)", resource, [:]) { throw .logsAccessDenied(denial.message) }
    }

    /// The group a `logGroupName` or `logGroupIdentifier` names (exactly one of them).
    private func groupName(name: String?, identifier: String?, _ caller: Caller) throws(AWSError) -> String {
        switch (name, identifier) {
        case (let name?, nil): return name
        case (nil, let identifier?):
            return identifier.hasPrefix("arn:") ? try groupName(arn: identifier, caller) : identifier
        case (nil, nil): throw .logsInvalidParameter("Either logGroupName or logGroupIdentifier must be specified.")
        case (.some, .some):
            throw .logsInvalidParameter("LogGroupName and LogGroupIdentifier are mutually exclusive parameters.")
        }
    }

    /// A log group's name from its ARN (with or without the trailing `:*`), in the caller's account and region.
    private func groupName(arn text: String, _ caller: Caller) throws(AWSError) -> String {
        guard let arn = ARN(text), arn.service == "logs", arn.resource.hasPrefix("log-group:") else {
            throw .logsInvalidParameter("Invalid resourceArn: \(text)")
        }
        var name = String(arn.resource.dropFirst("log-group:".count))
        if name.hasSuffix(":*") { name.removeLast(2) }
        guard arn.accountId == caller.accountId, arn.region == caller.region, !name.isEmpty else {
            throw .logGroupNotFound()
        }
        return name
    }

    private func stored<T: Sendable>(_ body: () async throws -> T) async throws(AWSError) -> T {
        do {
            return try await body()
        } catch let error as AWSError {
            throw error
        } catch {
            throw .logsServiceUnavailable()
        }
    }

    private func existingGroup(_ name: String, _ caller: Caller) async throws(AWSError) -> LogGroup {
        guard
            let group = try await stored({ try await store.group(accountId: caller.accountId, region: caller.region, name: name) }
            )
        else { throw .logGroupNotFound() }
        return group
    }

    private func updateGroup(
        _ name: String, _ caller: Caller, _ change: (inout LogGroup) throws(AWSError) -> Void
    ) async throws(AWSError) {
        var group = try await existingGroup(name, caller)
        try change(&group)
        let updated = group
        try await stored { try await store.update(updated) }
    }

    private static func checkTagCount(_ tags: [String: String]) throws(AWSError) {
        guard tags.count <= 50 else {
            throw AWSError(
                CloudWatchLogsShapes.ErrorCode.tooManyTagsException, message: "A resource can have no more than 50 tags.")
        }
    }

    // MARK: Groups

    private func createLogGroup(_ request: Shapes.CreateLogGroupRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        try check(caller, "CreateLogGroup", group: request.logGroupName)
        if let tags = request.tags { try Self.checkTagCount(tags) }
        if let key = request.kmsKeyId {
            guard let arn = ARN(key), arn.service == "kms" else {
                throw .logsInvalidParameter("Specified KMS key ARN is not valid: \(key)")
            }
        }
        let group = LogGroup(
            accountId: caller.accountId, region: caller.region, name: request.logGroupName, createdAt: now,
            retentionDays: nil, kmsKeyId: request.kmsKeyId, logGroupClass: request.logGroupClass?.rawValue ?? "STANDARD",
            tags: request.tags ?? [:])
        guard try await stored({ try await store.create(group) }) else { throw .logGroupExists() }
        return [:]
    }

    private func describeLogGroups(
        _ request: Shapes.DescribeLogGroupsRequest, _ caller: Caller
    ) async throws(AWSError)
        -> JSONValue
    {
        try check(caller, "DescribeLogGroups", group: nil)
        if request.logGroupNamePrefix != nil, request.logGroupNamePattern != nil {
            throw .logsInvalidParameter("LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.")
        }
        let limit = request.limit ?? 50
        var after: String?
        if let token = request.nextToken {
            guard let decoded = Base64.decode(token), let name = String(bytes: decoded, encoding: .utf8) else {
                throw .logsInvalidParameter("The specified nextToken is invalid.")
            }
            after = name
        }
        let prefix = request.logGroupNamePrefix ?? ""
        let pattern = request.logGroupNamePattern
        let wanted = request.logGroupIdentifiers.map(Set.init)
        var page: [LogGroup] = []
        var cursor = after
        var more = false
        // Scan in name order from the prefix; stop past it.
        scan: while true {
            let batch = try await stored {
                try await store.groups(accountId: caller.accountId, region: caller.region, after: cursor, limit: 200)
            }
            for group in batch {
                cursor = group.name
                if !prefix.isEmpty, group.name < prefix { continue }
                if !prefix.isEmpty, !group.name.hasPrefix(prefix) { break scan }
                if let pattern, !group.name.contains(pattern) { continue }
                if let wanted, !wanted.contains(group.name), !wanted.contains(group.logGroupArn) { continue }
                if let cls = request.logGroupClass, cls.rawValue != group.logGroupClass { continue }
                if page.count == limit {
                    more = true
                    break scan
                }
                page.append(group)
            }
            if batch.count < 200 { break }
        }
        let token = more ? page.last.map { Base64.encode(Array($0.name.utf8)) } : nil
        return Shapes.DescribeLogGroupsResponse(logGroups: page.map(Self.shape), nextToken: token).jsonValue
    }

    static func shape(_ group: LogGroup) -> Shapes.LogGroup {
        Shapes.LogGroup(
            logGroupName: group.name, creationTime: Int(group.createdAt), retentionInDays: group.retentionDays,
            metricFilterCount: 0, arn: group.arn, storedBytes: 0, kmsKeyId: group.kmsKeyId,
            logGroupClass: group.logGroupClass, logGroupArn: group.logGroupArn)
    }

    // MARK: Streams

    private func describeLogStreams(
        _ request: Shapes.DescribeLogStreamsRequest, _ caller: Caller
    ) async throws(AWSError)
        -> JSONValue
    {
        let name = try groupName(name: request.logGroupName, identifier: request.logGroupIdentifier, caller)
        try check(caller, "DescribeLogStreams", group: name)
        let byTime = request.orderBy == .lastEventTime
        if byTime, request.logStreamNamePrefix != nil {
            throw .logsInvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
        }
        _ = try await existingGroup(name, caller)
        var streams = try await stored {
            try await store.streams(
                accountId: caller.accountId, region: caller.region, group: name, prefix: request.logStreamNamePrefix)
        }
        let descending = request.descending ?? false
        streams.sort { a, b in
            if byTime {
                let (x, y) = (a.lastEventAt ?? Int64.min, b.lastEventAt ?? Int64.min)
                if x != y { return descending ? x > y : x < y }
            }
            return descending ? a.name > b.name : a.name < b.name
        }
        var start = 0
        if let token = request.nextToken {
            guard let offset = Self.offsetToken(token) else {
                throw .logsInvalidParameter("The specified nextToken is invalid.")
            }
            start = min(offset, streams.count)
        }
        let limit = request.limit ?? 50
        let page = streams[start..<min(streams.count, start + limit)]
        let groupArn = LogGroup.arn(accountId: caller.accountId, region: caller.region, name: name)
        return Shapes.DescribeLogStreamsResponse(
            logStreams: page.map { stream in
                Shapes.LogStream(
                    logStreamName: stream.name, creationTime: Int(stream.createdAt),
                    firstEventTimestamp: stream.firstEventAt.map { Int($0) },
                    lastEventTimestamp: stream.lastEventAt.map { Int($0) },
                    lastIngestionTime: stream.lastIngestionAt.map { Int($0) }, arn: "\(groupArn):log-stream:\(stream.name)",
                    storedBytes: Int(stream.storedBytes))
            },
            nextToken: start + limit < streams.count ? Self.offsetToken(start + limit) : nil
        ).jsonValue
    }

    static func offsetToken(_ offset: Int) -> String { Base64.encode(Array("o:\(offset)".utf8)) }

    static func offsetToken(_ token: String) -> Int? {
        guard let bytes = Base64.decode(token), let text = String(bytes: bytes, encoding: .utf8), text.hasPrefix("o:"),
            let offset = Int(text.dropFirst(2)), offset >= 0
        else { return nil }
        return offset
    }

    // MARK: Events

    private func putLogEvents(_ request: Shapes.PutLogEventsRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        try check(caller, "PutLogEvents", group: request.logGroupName, stream: request.logStreamName)
        let group = try await existingGroup(request.logGroupName, caller)
        let now = self.now
        let acceptance = try LogRules.accept(
            request.logEvents.map { (Int64($0.timestamp), $0.message) }, now: now, retentionDays: group.retentionDays)
        let accepted = acceptance.accepted
        switch try await stored({
            try await store.append(
                accountId: caller.accountId, region: caller.region, group: request.logGroupName,
                stream: request.logStreamName, events: accepted, ingestedAt: now)
        }) {
        case .noGroup: throw .logGroupNotFound()
        case .noStream: throw .logStreamNotFound()
        case .done, .exists: break
        }
        let refused = acceptance.tooNewStart != nil || acceptance.tooOldEnd != nil || acceptance.expiredEnd != nil
        return Shapes.PutLogEventsResponse(
            rejectedLogEventsInfo: refused
                ? Shapes.RejectedLogEventsInfo(
                    tooNewLogEventStartIndex: acceptance.tooNewStart, tooOldLogEventEndIndex: acceptance.tooOldEnd,
                    expiredLogEventEndIndex: acceptance.expiredEnd) : nil
        ).jsonValue
    }

    /// The oldest time a group's events are still kept at (its retention), if it has one.
    private func retentionCutoff(_ group: LogGroup) -> Int64? {
        group.retentionDays.map { now - Int64($0) * LogRules.day }
    }

    private func getLogEvents(_ request: Shapes.GetLogEventsRequest, _ caller: Caller) async throws(AWSError) -> JSONValue {
        let name = try groupName(name: request.logGroupName, identifier: request.logGroupIdentifier, caller)
        try check(caller, "GetLogEvents", group: name, stream: request.logStreamName)
        let group = try await existingGroup(name, caller)
        guard
            try await stored({
                try await store.stream(
                    accountId: caller.accountId, region: caller.region, group: name, name: request.logStreamName)
            }) != nil
        else { throw .logStreamNotFound() }
        var start = request.startTime.map(Int64.init)
        if let cutoff = retentionCutoff(group) { start = max(start ?? cutoff, cutoff) }
        let end = request.endTime.map(Int64.init)
        let limit = request.limit ?? 10_000
        var forward = request.startFromHead ?? false
        var position: LogStore.Position?
        if let token = request.nextToken {
            guard let parsed = LogRules.parseToken(token) else {
                throw .logsInvalidParameter("The specified nextToken is invalid.")
            }
            forward = parsed.forward
            position = parsed.position
        }
        var events = try await stored {
            try await store.events(
                accountId: caller.accountId, region: caller.region, group: name, stream: request.logStreamName, start: start,
                end: end, after: position, backwards: !forward, limit: limit)
        }
        if !forward { events.reverse() }
        // A page holds at most 1 MB of messages, as AWS's.
        var size = 0
        var kept: [StoredLogEvent] = []
        for event in forward ? events : events.reversed() {
            size += event.message.utf8.count + LogRules.eventOverhead
            if size > LogRules.maxBatchBytes, !kept.isEmpty { break }
            kept.append(event)
        }
        if !forward { kept.reverse() }
        // With nothing new, the token given is answered again (clients stop when it repeats).
        let edge = LogStore.Position(timestamp: start ?? 0, stream: "", sequence: 0)
        let first = kept.first.map { LogStore.Position(timestamp: $0.timestamp, stream: "", sequence: $0.sequence) }
        let last = kept.last.map { LogStore.Position(timestamp: $0.timestamp, stream: "", sequence: $0.sequence) }
        let forwardToken = last.map { LogRules.token(true, $0) } ?? request.nextToken.flatMap { $0.hasPrefix("f/") ? $0 : nil }
        let backwardToken = first.map { LogRules.token(false, $0) } ?? request.nextToken.flatMap { $0.hasPrefix("b/") ? $0 : nil }
        return Shapes.GetLogEventsResponse(
            events: kept.map {
                Shapes.OutputLogEvent(timestamp: Int($0.timestamp), message: $0.message, ingestionTime: Int($0.ingestionTime))
            },
            nextForwardToken: forwardToken ?? LogRules.token(true, edge),
            nextBackwardToken: backwardToken ?? LogRules.token(false, edge)
        ).jsonValue
    }

    private func filterLogEvents(
        _ request: Shapes.FilterLogEventsRequest, _ caller: Caller
    ) async throws(AWSError)
        -> JSONValue
    {
        let name = try groupName(name: request.logGroupName, identifier: request.logGroupIdentifier, caller)
        try check(caller, "FilterLogEvents", group: name)
        if request.logStreamNames != nil, request.logStreamNamePrefix != nil {
            throw .logsInvalidParameter("Cannot specify both logStreamNames and logStreamNamePrefix.")
        }
        let pattern: LogFilterPattern
        do {
            pattern = try LogFilterPattern(request.filterPattern ?? "")
        } catch {
            throw .logsInvalidParameter(error.message)
        }
        let group = try await existingGroup(name, caller)
        var streams = request.logStreamNames
        if let prefix = request.logStreamNamePrefix {
            streams = try await stored {
                try await store.streams(accountId: caller.accountId, region: caller.region, group: name, prefix: prefix)
            }.map(\.name)
        }
        var start = request.startTime.map(Int64.init)
        if let cutoff = retentionCutoff(group) { start = max(start ?? cutoff, cutoff) }
        let end = request.endTime.map(Int64.init)
        let limit = request.limit ?? 10_000
        var position: LogStore.Position?
        if let token = request.nextToken {
            guard let parsed = Self.filterToken(token) else { throw .logsInvalidParameter("The specified nextToken is invalid.") }
            position = parsed
        }
        var matched: [StoredLogEvent] = []
        var scanned = 0
        var more = false
        if streams?.isEmpty != true {
            // Pages of the group's events in time order; a call scans a bounded number of them and
            // hands back a token when it stops early, as AWS's does.
            while matched.count < limit {
                let page = try await stored {
                    try await store.groupEvents(
                        accountId: caller.accountId, region: caller.region, group: name, streams: streams, start: start,
                        end: end, after: position, limit: 1_000)
                }
                for event in page {
                    position = LogStore.Position(timestamp: event.timestamp, stream: event.stream, sequence: event.sequence)
                    if pattern.matches(event.message) {
                        matched.append(event)
                        if matched.count == limit { break }
                    }
                }
                scanned += page.count
                if page.count < 1_000 { break }
                if matched.count == limit || scanned >= 100_000 {
                    more = true
                    break
                }
            }
            if matched.count == limit { more = true }
        }
        return Shapes.FilterLogEventsResponse(
            events: matched.map {
                Shapes.FilteredLogEvent(
                    logStreamName: $0.stream, timestamp: Int($0.timestamp), message: $0.message,
                    ingestionTime: Int($0.ingestionTime), eventId: Self.eventId($0))
            },
            searchedLogStreams: [],
            nextToken: more ? position.map(Self.filterToken) : nil
        ).jsonValue
    }

    /// An event's id: unique in its group (time, stream, place in the stream), digits as AWS's.
    static func eventId(_ event: StoredLogEvent) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in event.stream.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        func pad(_ text: String, _ width: Int) -> String { String(repeating: "0", count: max(0, width - text.count)) + text }
        return pad(String(max(0, event.timestamp)), 20) + pad(String(hash % 100_000_000_000_000_000), 17)
            + pad(String(event.sequence), 19)
    }

    static func filterToken(_ position: LogStore.Position) -> String {
        Base64.encode(Array("\(position.timestamp)|\(position.sequence)|\(position.stream)".utf8))
    }

    static func filterToken(_ token: String) -> LogStore.Position? {
        guard let bytes = Base64.decode(token), let text = String(bytes: bytes, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let timestamp = Int64(parts[0]), let sequence = Int64(parts[1]) else { return nil }
        return LogStore.Position(timestamp: timestamp, stream: String(parts[2]), sequence: sequence)
    }
}
