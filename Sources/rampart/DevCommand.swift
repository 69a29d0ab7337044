import AWSProtocol
import ArgumentParser
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Development helpers for a server started with --dev-clock.", subcommands: [AdvanceClock.self])

    struct AdvanceClock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "advance-clock",
            abstract: "Move the server's clock forward; due deletions and rotations happen at once.",
            discussion: """
                Signs the call with the aws CLI's credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or the
                profile AWS_PROFILE (default `default`) of AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials).
                """)

        @Option(help: "The server's URL, e.g. http://127.0.0.1:4566.")
        var endpoint: String

        @Option(help: "How many seconds to move the clock forward.")
        var seconds: Int64

        func run() async throws {
            guard seconds >= 0 else { throw ValidationError("--seconds must not be negative") }
            guard let url = URL(string: endpoint) else { throw ValidationError("--endpoint is not a URL") }
            let credentials = try LocalCredentials.load()
            let environment = ProcessInfo.processInfo.environment
            let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
            let body = Array(#"{"Seconds":\#(seconds)}"#.utf8)
            let signer = SigV4Signer(
                accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey,
                sessionToken: credentials.sessionToken, region: region, service: "rampart")
            let headers = signer.sign(
                method: "POST", url: url,
                headers: [
                    (name: "Content-Type", value: "application/x-amz-json-1.1"),
                    (name: "X-Amz-Target", value: "RampartDev_20261129.AdvanceClock"),
                ], body: body, date: Date())
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            for header in headers where header.name.lowercased() != "host" {
                request.setValue(header.value, forHTTPHeaderField: header.name)
            }
            request.httpBody = Data(body)
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            let text = String(decoding: data, as: UTF8.self)
            guard status == 200 else { throw ValidationError("the server refused (HTTP \(status)): \(text)") }
            print(text)
        }
    }
}

/// The caller's credentials, found as the aws CLI finds them.
struct LocalCredentials {
    var accessKeyId: String
    var secretAccessKey: String
    var sessionToken: String?

    static func load() throws -> LocalCredentials {
        let env = ProcessInfo.processInfo.environment
        if let id = env["AWS_ACCESS_KEY_ID"], let secret = env["AWS_SECRET_ACCESS_KEY"] {
            return LocalCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: env["AWS_SESSION_TOKEN"])
        }
        let path = env["AWS_SHARED_CREDENTIALS_FILE"] ?? (NSHomeDirectory() + "/.aws/credentials")
        let profile = env["AWS_PROFILE"] ?? "default"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("no credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_SHARED_CREDENTIALS_FILE")
        }
        var section = ""
        var values: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
            } else if section == profile, let eq = line.firstIndex(of: "=") {
                values[line[..<eq].trimmingCharacters(in: .whitespaces)] = line[line.index(after: eq)...].trimmingCharacters(
                    in: .whitespaces)
            }
        }
        guard let id = values["aws_access_key_id"], let secret = values["aws_secret_access_key"] else {
            throw ValidationError("profile '\(profile)' in \(path) has no access key")
        }
        return LocalCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: values["aws_session_token"])
    }
}
