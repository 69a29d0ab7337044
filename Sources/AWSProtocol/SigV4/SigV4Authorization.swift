public import Foundation

/// A request's signature, as parsed from the Authorization header or presigned query parameters.
public struct SigV4Authorization: Sendable {
    public var scope: SigV4Scope
    /// Lowercased, as listed.
    public var signedHeaders: [String]
    /// Hex, as given.
    public var signature: String
    /// The request time from `X-Amz-Date` (or `Date`).
    public var requestTime: Date
    /// The raw `yyyyMMdd'T'HHmmss'Z'` string.
    public var amzDate: String
    public var securityToken: String?
    public var isPresigned: Bool
    /// `X-Amz-Expires` of a presigned request.
    public var expiresSeconds: Int?
}

extension SigV4 {
    /// Reads the signature from the Authorization header or the presigned query parameters.
    public static func parse(_ request: SigV4Request) throws(SigV4Error) -> SigV4Authorization {
        if let header = request.header("authorization") {
            return try parseHeader(header, request: request)
        }
        let query = request.queryParameters
        if query.contains(where: { $0.name == "X-Amz-Signature" || $0.name == "X-Amz-Credential" }) {
            return try parsePresigned(query, request: request)
        }
        throw .missingAuthentication
    }

    private static func parseHeader(_ header: String, request: SigV4Request) throws(SigV4Error) -> SigV4Authorization {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix(algorithm + " ") else {
            throw .incomplete("Unsupported Authorization Type")
        }
        var fields: [String: String] = [:]
        for part in trimmed.dropFirst(algorithm.count + 1).split(separator: ",") {
            let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            fields[String(kv[0])] = String(kv[1])
        }
        var missing: [String] = []
        if fields["Credential"] == nil { missing.append("Authorization header requires 'Credential' parameter.") }
        if fields["Signature"] == nil { missing.append("Authorization header requires 'Signature' parameter.") }
        if fields["SignedHeaders"] == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
        let dateText = request.header("x-amz-date") ?? request.header("date")
        if dateText == nil {
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        if !missing.isEmpty {
            throw .incomplete(missing.joined(separator: " ") + " Authorization=\(redacted(trimmed))")
        }
        let scope = try parseCredential(fields["Credential"]!)
        guard let (time, amzDate) = parseDate(dateText!) else {
            throw .incomplete("Date must be in ISO-8601 'basic format'. Got '\(dateText!)'. See http://en.wikipedia.org/wiki/ISO_8601")
        }
        return SigV4Authorization(
            scope: scope, signedHeaders: fields["SignedHeaders"]!.lowercased().split(separator: ";").map(String.init),
            signature: fields["Signature"]!, requestTime: time, amzDate: amzDate,
            securityToken: request.header("x-amz-security-token"), isPresigned: false, expiresSeconds: nil)
    }

    private static func parsePresigned(_ query: [(name: String, value: String)], request: SigV4Request) throws(SigV4Error)
        -> SigV4Authorization
    {
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
        var missing: [String] = []
        for name in ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"]
        where value(name) == nil {
            missing.append("AWS query-string parameters must include '\(name)'.")
        }
        if !missing.isEmpty { throw .incomplete(missing.joined(separator: " ") + " Re-examine the query-string parameters.") }
        guard value("X-Amz-Algorithm") == algorithm else { throw .incomplete("Unsupported AWS 'algorithm': \(value("X-Amz-Algorithm")!)") }
        let scope = try parseCredential(value("X-Amz-Credential")!)
        guard let (time, amzDate) = parseDate(value("X-Amz-Date")!) else {
            throw .incomplete("Date must be in ISO-8601 'basic format'. Got '\(value("X-Amz-Date")!)'.")
        }
        var expires: Int?
        if let text = value("X-Amz-Expires") {
            guard let seconds = Int(text), seconds >= 1 else { throw .incomplete("X-Amz-Expires must be a positive number of seconds") }
            guard seconds <= 604_800 else {
                throw .incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800")
            }
            expires = seconds
        }
        return SigV4Authorization(
            scope: scope, signedHeaders: value("X-Amz-SignedHeaders")!.lowercased().split(separator: ";").map(String.init),
            signature: value("X-Amz-Signature")!, requestTime: time, amzDate: amzDate,
            securityToken: value("X-Amz-Security-Token") ?? request.header("x-amz-security-token"), isPresigned: true,
            expiresSeconds: expires ?? 900)
    }

    private static func parseCredential(_ credential: String) throws(SigV4Error) -> SigV4Scope {
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, !parts[0].isEmpty else {
            throw .incomplete("Credential should be scoped to a valid region, not ''. ")
        }
        guard parts[4] == "aws4_request" else {
            throw .incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '\(parts[4])'. ")
        }
        guard parts[1].utf8.count == 8, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .incomplete("Credential should be scoped to a valid date, not '\(parts[1])'. ")
        }
        return SigV4Scope(accessKeyId: parts[0], date: parts[1], region: parts[2], service: parts[3])
    }

    /// The header with the signature value hidden, for error messages.
    private static func redacted(_ header: String) -> String {
        guard let range = header.range(of: "Signature=") else { return header }
        return String(header[..<range.upperBound]) + "(hidden)"
    }

    /// Parses `yyyyMMdd'T'HHmmss'Z'` (and RFC 1123 `Date` headers).
    static func parseDate(_ text: String) -> (Date, String)? {
        let b = Array(text.utf8)
        if b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") {
            func number(_ range: Range<Int>) -> Int? {
                var n = 0
                for i in range {
                    guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                    n = n * 10 + Int(b[i] - 0x30)
                }
                return n
            }
            guard let y = number(0..<4), let mo = number(4..<6), let d = number(6..<8), let h = number(9..<11),
                let mi = number(11..<13), let s = number(13..<15), (1...12).contains(mo), (1...31).contains(d), h < 24,
                mi < 60, s < 61
            else { return nil }
            let seconds = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s
            return (Date(timeIntervalSince1970: TimeInterval(seconds)), text)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return (date, formatAmzDate(date))
    }

    /// `yyyyMMdd'T'HHmmss'Z'` for a date.
    public static func formatAmzDate(_ date: Date) -> String {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secs = total - days * 86_400
        let (y, m, d) = civilFromDays(days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(y)\(two(m))\(two(d))T\(two(secs / 3600))\(two(secs % 3600 / 60))\(two(secs % 60))Z"
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
