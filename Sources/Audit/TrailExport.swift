import AWSProtocol
public import Foundation

/// Writes the trail as CloudTrail delivers it to S3: gzip JSON log files
/// `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<id>.json.gz`,
/// one per account, region and hour, and an hourly digest file per account and region that
/// lists each log file's SHA-256 and is chained to the previous digest's signature.
/// Each digest's SHA256withRSA signature is written beside it as `<digest>.sig` (hex; CloudTrail
/// keeps it in the S3 object's metadata), and the public key under `CloudTrail-Digest/public-keys/`.
public enum TrailExport {
    public static let bucket = "rampart-trail"

    public struct Summary: Sendable {
        public var logFiles = 0
        public var digestFiles = 0
        public var events = 0
    }

    public static func export(_ events: [CloudTrailEvent], signer: DigestSigner, to root: URL) throws -> Summary {
        var summary = Summary()
        let fm = FileManager.default
        var byChain: [String: [CloudTrailEvent]] = [:]
        for event in events { byChain["\(event.accountId)|\(event.region)", default: []].append(event) }
        for (chain, chainEvents) in byChain.sorted(by: { $0.key < $1.key }) {
            let parts = chain.split(separator: "|").map(String.init)
            let (account, region) = (parts[0], parts[1])
            let keysDir = root.appendingPathComponent("AWSLogs/\(account)/CloudTrail-Digest/public-keys")
            try fm.createDirectory(at: keysDir, withIntermediateDirectories: true)
            try Data(signer.publicKeyPEM.utf8).write(to: keysDir.appendingPathComponent("\(signer.fingerprint).pem"))
            var byHour: [Date: [CloudTrailEvent]] = [:]
            for event in chainEvents {
                let hour = Date(timeIntervalSince1970: (event.eventTime.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
                byHour[hour, default: []].append(event)
            }
            var previous: (object: String, hash: String, signature: String)?
            for (hour, hourEvents) in byHour.sorted(by: { $0.key < $1.key }) {
                let sorted = hourEvents.sorted { ($0.eventTime, $0.eventId) < ($1.eventTime, $1.eventId) }
                let day = dayPath(hour)
                let stamp = compactTime(hour, seconds: false)
                let logObject =
                    "AWSLogs/\(account)/CloudTrail/\(region)/\(day)/\(account)_CloudTrail_\(region)_\(stamp)_\(sorted[0].eventId.prefix(16)).json.gz"
                // `{"Records":[...]}`, each record as stored.
                var logBody = Array(#"{"Records":["#.utf8)
                for (i, event) in sorted.enumerated() {
                    if i > 0 { logBody.append(UInt8(ascii: ",")) }
                    logBody.append(contentsOf: event.json)
                }
                logBody.append(contentsOf: "]}".utf8)
                try write(try Gzip.compress(logBody), to: root.appendingPathComponent(logObject))
                summary.logFiles += 1
                summary.events += sorted.count

                let end = hour.addingTimeInterval(3600)
                let digestObject =
                    "AWSLogs/\(account)/CloudTrail-Digest/\(region)/\(dayPath(end))/\(account)_CloudTrail-Digest_\(region)_rampart_\(region)_\(compactTime(end, seconds: true)).json.gz"
                let digest: JSONValue = [
                    "awsAccountId": .string(account),
                    "digestStartTime": .string(Timestamp.iso8601(hour, fractional: false)),
                    "digestEndTime": .string(Timestamp.iso8601(end, fractional: false)),
                    "digestS3Bucket": .string(bucket), "digestS3Object": .string(digestObject),
                    "digestPublicKeyFingerprint": .string(signer.fingerprint), "digestSignatureAlgorithm": "SHA256withRSA",
                    "newestEventTime": .string(Timestamp.iso8601(sorted.last!.eventTime, fractional: false)),
                    "oldestEventTime": .string(Timestamp.iso8601(sorted[0].eventTime, fractional: false)),
                    "previousDigestS3Bucket": previous == nil ? .null : .string(bucket),
                    "previousDigestS3Object": previous.map { .string($0.object) } ?? .null,
                    "previousDigestHashValue": previous.map { .string($0.hash) } ?? .null,
                    "previousDigestHashAlgorithm": previous == nil ? .null : "SHA-256",
                    "previousDigestSignature": previous.map { .string($0.signature) } ?? .null,
                    "logFiles": [
                        [
                            "s3Bucket": .string(bucket), "s3Object": .string(logObject),
                            "hashValue": .string(Hex.sha256(logBody)), "hashAlgorithm": "SHA-256",
                            "newestEventTime": .string(Timestamp.iso8601(sorted.last!.eventTime, fractional: false)),
                            "oldestEventTime": .string(Timestamp.iso8601(sorted[0].eventTime, fractional: false)),
                        ]
                    ],
                ]
                let digestBody = digest.serialized()
                let digestHash = Hex.sha256(digestBody)
                let signature = try signer.sign(
                    signingString(end: end, object: digestObject, hash: digestHash, previousSignature: previous?.signature))
                let digestURL = root.appendingPathComponent(digestObject)
                try write(try Gzip.compress(digestBody), to: digestURL)
                try Data(signature.utf8).write(to: URL(fileURLWithPath: digestURL.path + ".sig"))
                summary.digestFiles += 1
                previous = (digestObject, digestHash, signature)
            }
        }
        return summary
    }

    /// CloudTrail's data-signing string.
    static func signingString(end: Date, object: String, hash: String, previousSignature: String?) -> String {
        "\(Timestamp.iso8601(end, fractional: false))\n\(bucket)/\(object)\n\(hash)\n\(previousSignature ?? "null")"
    }

    static func write(_ bytes: [UInt8], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    static func dayPath(_ date: Date) -> String {
        let iso = Timestamp.iso8601(date, fractional: false)
        return "\(iso.prefix(4))/\(iso.dropFirst(5).prefix(2))/\(iso.dropFirst(8).prefix(2))"
    }

    static func compactTime(_ date: Date, seconds: Bool) -> String {
        let iso = Timestamp.iso8601(date, fractional: false).replacingOccurrences(of: "-", with: "")
            .replacingOccurrences(of: ":", with: "")
        return seconds ? iso : String(iso.prefix(13)) + "Z"
    }
}
