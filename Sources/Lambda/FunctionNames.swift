import AWSProtocol

/// How Lambda names functions: a name, a partial ARN (`123456789012:function:name`) or a full
/// ARN, each with an optional `:qualifier` (a version or an alias), as every operation's
/// `FunctionName` accepts them.
enum FunctionNames {
    static func arn(accountId: String, region: String, name: String, qualifier: String? = nil) -> String {
        "arn:aws:lambda:\(region):\(accountId):function:\(name)" + (qualifier.map { ":\($0)" } ?? "")
    }

    /// The function's name, its account (when an ARN gave one), and the qualifier it carries.
    struct Parsed: Equatable {
        var name: String
        var accountId: String?
        var region: String?
        var qualifier: String?
    }

    static func parse(_ text: String) -> Parsed? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func valid(_ name: String) -> Bool {
            !name.isEmpty && name.count <= 64
                && name.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
                }
        }
        switch parts.count {
        case 1 where valid(parts[0]):
            return Parsed(name: parts[0])
        case 2 where valid(parts[0]):
            return Parsed(name: parts[0], qualifier: parts[1])
        case 3 where parts[1] == "function" && valid(parts[2]):
            return Parsed(name: parts[2], accountId: parts[0])
        case 4 where parts[1] == "function" && valid(parts[2]):
            return Parsed(name: parts[2], accountId: parts[0], qualifier: parts[3])
        case 7, 8:
            guard parts[0] == "arn", parts[2] == "lambda", parts[5] == "function", valid(parts[6]) else { return nil }
            return Parsed(name: parts[6], accountId: parts[4], region: parts[3], qualifier: parts.count == 8 ? parts[7] : nil)
        default:
            return nil
        }
    }

    /// Whether a qualifier is a version (`$LATEST` or digits) rather than an alias.
    static func isVersion(_ qualifier: String) -> Bool {
        qualifier == "$LATEST" || (!qualifier.isEmpty && qualifier.allSatisfy(\.isNumber))
    }
}
