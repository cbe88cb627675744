import ABCore
import ArgumentParser
import Foundation

/// The `abtop` command: A/B comparison of LLMs behind one Databricks-style serving endpoint.
struct Abtop: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "abtop",
        abstract: "Split traffic between LLMs, measure them live, and tell which is faster, cheaper and better.",
        discussion: """
            abtop reads a Databricks serving-endpoint config (served_entities + traffic_config) as it is.
            Exit codes: 0 success, 1 config or input error, 2 usage error.
            """,
        version: version,
        subcommands: [
            Demo.self, Init.self, Validate.self, Run.self, Serve.self, MockServerCommand.self, Sessions.self,
            Report.self, Diff.self, FeedbackCommand.self, Promote.self, Watch.self,
        ]
    )
}

/// Runs the command, mapping argument-parser usage errors to exit code 2 (DESIGN §11).
@main
enum Main {
    static func main() async {
        // Past a file-size limit, a write should fail (and the journal say so), not kill the process.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try Abtop.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = Abtop.exitCode(for: error)
            if code == .validationFailure {
                Console.err(Abtop.fullMessage(for: error))
                Console.err("Run 'abtop --help' for usage.")
                exit(2)
            }
            Abtop.exit(withError: error)
        }
    }
}
