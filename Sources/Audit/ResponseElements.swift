public import AWSProtocol
public import Foundation

/// A response as AWS's CloudTrail records show it for IAM and STS: lowerCamelCase names at
/// every level (`AccessKey.UserName` → `accessKey.userName`), timestamps as CloudTrail writes
/// them (`Jul 15, 2023, 5:21:38 PM`, UTC), and never a secret: no member the model marks
/// sensitive, no blob, and no `SecretAccessKey` or `SessionToken` whatever the model says
/// (AWS's own AssumeRole records carry the session token; Rampart's never do).
public enum ResponseElements {
    /// Members never recorded, by name, at any level.
    public static let secretMembers: Set<String> = ["SecretAccessKey", "SessionToken"]

    /// The recorded form of `response`, read against the operation's output shape; nil when
    /// nothing is left to record.
    public static func recorded(_ response: JSONValue, shapeName: String?, model: ServiceModel) -> JSONValue? {
        guard let recorded = clean(response, shape: shapeName.flatMap { model.shapes[$0] }, model: model),
            case .object(let members) = recorded, !members.isEmpty
        else { return nil }
        return recorded
    }

    static func clean(_ value: JSONValue, shape: ServiceModel.Shape?, model: ServiceModel) -> JSONValue? {
        if let shape, shape.sensitive || shape.kind == .blob { return nil }
        switch value {
        case .object(let members):
            if let shape, shape.kind == .map {
                let valueShape = shape.value.flatMap { model.shapes[$0] }
                return .object(members.compactMapValues { clean($0, shape: valueShape, model: model) })
            }
            var out: [String: JSONValue] = [:]
            for (name, member) in members where !secretMembers.contains(name) {
                let memberShape = shape?.members[name].flatMap { model.shapes[$0] }
                if shape != nil, memberShape == nil { continue }  // not in the model: not recorded
                if let cleaned = clean(member, shape: memberShape, model: model) {
                    out[RequestParameters.camelCase(name)] = cleaned
                }
            }
            return .object(out)
        case .array(let items):
            let itemShape = shape?.member.flatMap { model.shapes[$0] }
            return .array(items.compactMap { clean($0, shape: itemShape, model: model) })
        case .int, .double:
            if shape?.kind == .timestamp, let seconds = value.doubleValue {
                return .string(recordedDate(Date(timeIntervalSince1970: seconds)))
            }
            return value
        default:
            return value
        }
    }

    /// A date as CloudTrail writes dates inside response elements: `Jul 15, 2023, 5:21:38 PM`, in UTC.
    public static func recordedDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let hour = c.hour ?? 0
        let twelve = hour % 12 == 0 ? 12 : hour % 12
        func two(_ n: Int?) -> String { (n ?? 0) < 10 ? "0\(n ?? 0)" : "\(n ?? 0)" }
        return "\(months[(c.month ?? 1) - 1]) \(c.day ?? 1), \(c.year ?? 1970), \(twelve):\(two(c.minute)):\(two(c.second)) "
            + (hour < 12 ? "AM" : "PM")
    }
}
