import AWSProtocol
public import Foundation

/// Checks an exported trail: every digest's signature, the chain of digests, and every log
/// file's hash; names each file that was changed, removed or added.
public enum TrailValidation {
    public struct Report: Sendable {
        public var digestsChecked = 0
        public var logFilesChecked = 0
        public var problems: [String] = []
        public var isValid: Bool { problems.isEmpty }
    }

    public static func validate(_ root: URL) -> Report {
        var report = Report()
        let fm = FileManager.default
        let all = (fm.enumerator(atPath: root.path)?.allObjects as? [String] ?? []).sorted()
        var verifiers: [String: DigestVerifier] = [:]
        for path in all where path.contains("/CloudTrail-Digest/public-keys/") && path.hasSuffix(".pem") {
            if let pem = try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8),
                let verifier = try? DigestVerifier(pem: pem)
            {
                verifiers[verifier.fingerprint] = verifier
            }
        }
        let digests = all.filter { $0.contains("/CloudTrail-Digest/") && $0.hasSuffix(".json.gz") }
        let logs = Set(all.filter { $0.contains("/CloudTrail/") && $0.hasSuffix(".json.gz") })
        var referenced = Set<String>()
        var chains: [String: [(object: String, end: String, json: JSONValue, hash: String, signature: String)]] = [:]

        for object in digests {
            let url = root.appendingPathComponent(object)
            guard let compressed = try? Data(contentsOf: url), let body = try? Gzip.decompress(Array(compressed)),
                let json = try? JSONParser.parse(body)
            else {
                report.problems.append("digest file \(object) cannot be read: changed")
                continue
            }
            report.digestsChecked += 1
            let hash = Hex.sha256(body)
            guard let signature = try? String(contentsOf: URL(fileURLWithPath: url.path + ".sig"), encoding: .utf8) else {
                report.problems.append("digest file \(object) has no signature (\(object).sig removed)")
                continue
            }
            let fingerprint = json["digestPublicKeyFingerprint"]?.stringValue ?? ""
            guard let verifier = verifiers[fingerprint] else {
                report.problems.append("digest file \(object) names public key \(fingerprint), which is not in the export")
                continue
            }
            let end = json["digestEndTime"]?.stringValue ?? ""
            let previousSignature = json["previousDigestSignature"]?.stringValue
            let text =
                "\(end)\n\(TrailExport.bucket)/\(json["digestS3Object"]?.stringValue ?? "")\n\(hash)\n\(previousSignature ?? "null")"
            if json["digestS3Object"]?.stringValue != object {
                report.problems.append("digest file \(object) was moved or renamed")
            }
            if !verifier.verify(text, signatureHex: signature.trimmingCharacters(in: .whitespacesAndNewlines)) {
                report.problems.append("digest file \(object): signature does not match (changed)")
            }
            for logFile in json["logFiles"]?.arrayValue ?? [] {
                guard let logObject = logFile["s3Object"]?.stringValue else { continue }
                referenced.insert(logObject)
                report.logFilesChecked += 1
                guard let data = try? Data(contentsOf: root.appendingPathComponent(logObject)) else {
                    report.problems.append("log file \(logObject) listed in \(object) is missing (removed)")
                    continue
                }
                guard let plain = try? Gzip.decompress(Array(data)), Hex.sha256(plain) == logFile["hashValue"]?.stringValue
                else {
                    report.problems.append("log file \(logObject): hash does not match its digest (changed)")
                    continue
                }
            }
            let chainKey = "\(json["awsAccountId"]?.stringValue ?? "")|\(object.split(separator: "/").dropFirst(3).first ?? "")"
            chains[chainKey, default: []].append(
                (object, end, json, hash, signature.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        for (_, chain) in chains {
            let ordered = chain.sorted { $0.end < $1.end }
            for (i, link) in ordered.enumerated() {
                let previousObject = link.json["previousDigestS3Object"]?.stringValue
                if i == 0 {
                    if let previousObject {
                        report.problems.append("digest file \(link.object) follows \(previousObject), which is missing (removed)")
                    }
                    continue
                }
                let before = ordered[i - 1]
                if previousObject != before.object {
                    report.problems.append(
                        "digest chain broken at \(link.object): expected previous \(before.object), found \(previousObject ?? "none")"
                    )
                }
                if link.json["previousDigestHashValue"]?.stringValue != before.hash {
                    report.problems.append(
                        "digest file \(before.object) was changed: its hash differs from the one \(link.object) recorded")
                }
                if link.json["previousDigestSignature"]?.stringValue != before.signature {
                    report.problems.append("digest file \(before.object): signature differs from the one \(link.object) recorded")
                }
            }
        }
        for extra in logs.subtracting(referenced).sorted() {
            report.problems.append("log file \(extra) is not listed in any digest (added)")
        }
        return report
    }
}
