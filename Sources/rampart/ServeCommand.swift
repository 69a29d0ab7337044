import ArgumentParser
import Foundation
import Logging
import RampartServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the AWS APIs on one port (default 127.0.0.1:4566).",
        discussion: """
            Initializes DIR first if it is empty (account --account-id, default 000000000000). Stops
            cleanly on SIGTERM or SIGINT. GET /_rampart/health answers without authentication.
            """)

    @Option(name: .customLong("data-dir"), help: "The data folder (created and initialized if empty).")
    var dataDirectory: String

    @Option(help: "HOST:PORT to listen on.")
    var listen: String = "127.0.0.1:4566"

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve HTTPS (TLS 1.2 or newer).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    @Flag(name: .customLong("dev-clock"), help: "Let `rampart dev advance-clock` move the service clock forward (tests only).")
    var devClock = false

    @Option(name: .customLong("account-id"), help: "The account an empty data folder is initialized with.")
    var accountId: String = "000000000000"

    @Option(name: .customLong("trail-retention-days"), help: "How many days of audit events LookupEvents keeps (AWS: 90).")
    var trailRetentionDays: Int = 90

    @Flag(
        name: .customLong("enable-functions"),
        help: "Run Lambda functions' code (child processes under the caller's account; see README's trust model).")
    var enableFunctions = false

    @Option(name: .customLong("functions-python"), help: "The Python that runs Python functions (with awslambdaric).")
    var functionsPython: String = "python3"

    @Option(
        name: .customLong("functions-code-dir"),
        help: ArgumentHelp(
            "A folder of deployment packages that CreateFunction and UpdateFunctionCode may name instead of sending "
                + "the zip (S3Bucket \"local\", S3Key a path inside it), for packages past the 50 MB of a request."))
    var functionsCodeDirectory: String?

    /// For benchmarks only: hidden from help, and `serve` warns at start.
    @Flag(
        name: .customLong("no-audit"),
        help: ArgumentHelp(
            "Record no CloudTrail events (for measuring the trail's cost only; AWS always records).", visibility: .hidden))
    var noAudit = false

    @Option(
        name: .customLong("dev-trail-subscriber"),
        help: ArgumentHelp("Append every trail record's event id and name to FILE (tests only).", visibility: .hidden))
    var devTrailSubscriber: String?

    func validate() throws {
        guard Self.parseListen(listen) != nil else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:4566")
        }
        guard trailRetentionDays >= 1 else { throw ValidationError("--trail-retention-days must be at least 1") }
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    func run() async throws {
        RampartServer.runTasksOnEventLoops()
        var options = ServerOptions(dataDirectory: URL(fileURLWithPath: dataDirectory))
        (options.host, options.port) = Self.parseListen(listen)!
        options.tlsCertificatePath = tlsCertificate
        options.tlsKeyPath = tlsKey
        options.devClock = devClock
        options.defaultAccountId = accountId
        options.trailRetentionDays = trailRetentionDays
        options.audit = !noAudit
        options.devTrailSubscriberFile = devTrailSubscriber
        options.enableFunctions = enableFunctions
        options.functionsPython = functionsPython
        options.functionsCodeDirectory = functionsCodeDirectory
        do {
            try await RampartServer.run(options, logger: Logger(label: "rampart"))
        } catch let error as RampartError {
            throw ValidationError(error.description)
        }
    }
}
