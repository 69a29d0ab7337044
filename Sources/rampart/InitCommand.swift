import ArgumentParser
import Foundation
import Logging
import RampartServer

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a data folder: root key, store, an account and its root credentials.",
        discussion: """
            Creates DIR (mode 0700) with the root key (root.key, 0600), the store (rampart.sqlite), the
            account, and DIR/credentials (0600, AWS shared-credentials format) with profiles `default`
            and the account id, both that account's root user.
            """)

    @Option(name: .customLong("data-dir"), help: "The data folder to create; it must not exist or be empty.")
    var dataDirectory: String

    @Option(name: .customLong("account-id"), help: "The first account's 12-digit id.")
    var accountId: String = "000000000000"

    func run() async throws {
        let url = URL(fileURLWithPath: dataDirectory)
        try await DataDirectory.initialize(at: url, accountId: accountId, logger: Logger(label: "rampart"))
        print("Initialized \(url.path) with account \(accountId).")
        print(
            "Credentials: \(url.appendingPathComponent(DataDirectory.credentialsFileName).path) (profiles: default, \(accountId))"
        )
    }
}

struct Account: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage accounts in a data folder.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create another account and add its root credentials to DIR/credentials as profile ID.",
            discussion: "Works while a server is serving DIR.")

        @Option(name: .customLong("data-dir"), help: "An initialized data folder.")
        var dataDirectory: String

        @Option(name: .customLong("account-id"), help: "The new account's 12-digit id.")
        var accountId: String

        func run() async throws {
            let url = URL(fileURLWithPath: dataDirectory)
            try await DataDirectory.addAccount(at: url, accountId: accountId, logger: Logger(label: "rampart"))
            print(
                "Created account \(accountId); its root is profile \(accountId) in \(url.appendingPathComponent(DataDirectory.credentialsFileName).path)."
            )
        }
    }
}
