import ArgumentParser
import Audit
import Foundation
import Logging
import RampartServer

struct Trail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the audit trail as CloudTrail log files, and validate an export.",
        subcommands: [Export.self, Validate.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the trail in CloudTrail's S3 layout with a signed, chained digest per hour.")

        @Option(name: .customLong("data-dir"), help: "The data folder (a server may be serving it).")
        var dataDirectory: String

        @Option(help: "The folder to write AWSLogs/... into.")
        var out: String

        func run() async throws {
            let summary = try await TrailFiles.export(
                dataDirectory: URL(fileURLWithPath: dataDirectory), to: URL(fileURLWithPath: out),
                logger: Logger(label: "rampart"))
            print(
                "Exported \(summary.events) events in \(summary.logFiles) log files and \(summary.digestFiles) digest files to \(out)."
            )
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every digest signature, the digest chain and every log file's hash; exit 1 on any change.")

        @Option(help: "The folder an export wrote.")
        var dir: String

        func run() async throws {
            let report = TrailFiles.validate(URL(fileURLWithPath: dir))
            print("Checked \(report.digestsChecked) digest files and \(report.logFilesChecked) log files.")
            if report.isValid {
                print("Valid: no log or digest file was changed, removed or added.")
                return
            }
            for problem in report.problems {
                FileHandle.standardError.write(Data("INVALID: \(problem)\n".utf8))
            }
            FileHandle.standardError.write(Data("The trail was tampered with: \(report.problems.count) problem(s).\n".utf8))
            throw ExitCode(1)
        }
    }
}
