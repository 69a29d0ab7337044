import AWSProtocol

/// AddPermission and RemovePermission: statements of the queue's policy named by their label,
/// written the way SQS writes them (`Principal.AWS` the accounts' roots, actions `SQS:<Action>`,
/// a single value as a string, the policy's Id `<queue ARN>/SQSDefaultPolicy`).
enum QueuePermissions {
    /// The actions a permission may share: SQS's own, or `*`.
    static let shareable: Set<String> = [
        "*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes",
        "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue", "ListQueueTags",
    ]

    /// The policy with a statement labelled `label` added.
    static func adding(
        label: String, accounts: [String], actions: [String], to policy: String?, queueArn: String
    ) throws(AWSError) -> String {
        guard !label.isEmpty, label.utf8.count <= 80,
            label.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
            })
        else {
            throw .invalidParameter(
                "Label", value: label,
                reason: "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.")
        }
        guard !accounts.isEmpty else { throw .missingParameter("AWSAccountIds") }
        guard !actions.isEmpty else { throw .missingParameter("Actions") }
        guard actions.count <= 7 else { throw .overLimit("\(actions.count) Actions were found, maximum allowed is 7.") }
        if let bad = actions.first(where: { !shareable.contains($0) }) {
            throw .invalidParameter(
                "ActionName", value: "SQS:\(bad)", reason: "Please refer to the appropriate WSDL for a list of valid actions.")
        }
        var (document, statements) = try parse(policy, queueArn: queueArn)
        if statements.contains(where: { $0["Sid"]?.stringValue == label }) {
            throw .invalidParameter("Label", value: label, reason: "Already exists.")
        }
        func oneOrMany(_ values: [String]) -> JSONValue {
            values.count == 1 ? .string(values[0]) : .array(values.map(JSONValue.string))
        }
        statements.append([
            "Sid": .string(label), "Effect": "Allow",
            "Principal": ["AWS": oneOrMany(accounts.map { "arn:aws:iam::\($0):root" })],
            "Action": oneOrMany(actions.map { "SQS:\($0)" }), "Resource": .string(queueArn),
        ])
        document["Statement"] = .array(statements)
        return JSONValue.object(document).jsonString
    }

    /// The policy without the statement labelled `label` (nil when none remains).
    static func removing(label: String, from policy: String?, queueArn: String) throws(AWSError) -> String? {
        var (document, statements) = try parse(policy, queueArn: queueArn)
        guard let index = statements.firstIndex(where: { $0["Sid"]?.stringValue == label }) else {
            throw .invalidParameter("Label", value: label, reason: "can't find label.")
        }
        statements.remove(at: index)
        if statements.isEmpty { return nil }
        document["Statement"] = .array(statements)
        return JSONValue.object(document).jsonString
    }

    private static func parse(_ policy: String?, queueArn: String) throws(AWSError) -> ([String: JSONValue], [JSONValue]) {
        guard let policy, !policy.isEmpty else {
            return (["Version": "2012-10-17", "Id": .string("\(queueArn)/SQSDefaultPolicy")], [])
        }
        guard case .object(let document)? = try? JSONParser.parse(Array(policy.utf8)) else {
            throw .invalidAttributeValue("Policy", reason: "The policy is not valid JSON.")
        }
        switch document["Statement"] {
        case .array(let statements)?: return (document, statements)
        case .object?: return (document, [document["Statement"]!])
        default: return (document, [])
        }
    }
}
