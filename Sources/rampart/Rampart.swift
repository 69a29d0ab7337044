import ArgumentParser
import Foundation
import Logging

/// The `rampart` command: a self-hosted, wire-compatible AWS KMS (and, in time, IAM/STS,
/// CloudTrail and friends) that the aws CLI, boto3 and every AWS SDK use unchanged.
@main
struct Rampart: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "rampart",
        abstract: "AWS's infrastructure-security services (KMS first), self-hosted and wire-compatible.",
        discussion: """
            Start a server on the default embedded store with:
              rampart serve --data-dir ./data
            then point the aws CLI at it:
              export AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_SHARED_CREDENTIALS_FILE=./data/credentials
              aws kms create-key
            """,
        version: version,
        subcommands: [Init.self, Account.self, Serve.self, Trail.self, Dev.self]
    )

    /// Sets up logging (one line per event on stderr; `RAMPART_LOG_LEVEL` picks the level), then
    /// runs the command.
    static func main() async {
        // Every log line's timestamp asks glibc for the local time; with TZ unset glibc checks
        // /etc/localtime again each time (one stat per request). Naming the same zone explicitly
        // keeps its answer and skips the check.
        if getenv("TZ") == nil { setenv("TZ", ":/etc/localtime", 0) }
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label)
            handler.logLevel =
                ProcessInfo.processInfo.environment["RAMPART_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
