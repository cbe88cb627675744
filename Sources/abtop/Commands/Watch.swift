import ABCore
import ABFleet
import ABReport
import ABTUI
import ArgumentParser
import Foundation

/// `abtop watch --fleet redis://…`: one dashboard over every replica of a fleet (docs/DEPLOY.md).
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch a fleet of serve replicas as one: the same dashboard and verdicts over all their traffic.",
        discussion: """
            Reads the batches every replica publishes each second to the fleet's Redis and replays them into one \
            view: shares, latencies, SRM checks and verdicts over the whole fleet, with the same issue order and \
            censoring a single replica uses. Sliders publish the new split to every replica.
            """)

    @Option(help: "The fleet's Redis: redis://[:password@]host[:port][/db] (or set ABTOP_FLEET).")
    var fleet: String?

    @Option(help: "The endpoint to watch (needed when the fleet serves more than one).")
    var endpoint: String?

    @Flag(help: "No dashboard: follow for --for seconds, then print the fleet's summary as JSON.")
    var json = false

    @Option(name: .customLong("for"), help: "With --json: seconds to follow after catching up (default 2).")
    var seconds: Double = 2

    @OptionGroup var dashboard: DashboardOptions

    var fleetURL: String? {
        fleet ?? ProcessInfo.processInfo.environment["ABTOP_FLEET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func validate() throws {
        guard let fleetURL else { throw ValidationError("give the fleet's Redis: --fleet redis://host:port") }
        if case .failure(let why) = RedisAddress.parse(fleetURL) { throw ValidationError("--fleet: \(why)") }
        guard seconds.finite(in: 0...86_400) != nil else { throw ValidationError("--for must be 0…86400 seconds") }
    }

    func run() async throws {
        let address = try RedisAddress.parse(fleetURL!).get()
        if let password = address.password { SecretRedactor.register(password) }
        let pool = RedisPool(address)
        let follower: FleetFollower
        do {
            follower = try FleetFollower(pool: pool, name: endpoint)
        } catch {
            Console.err("abtop watch: \(error)")
            throw ExitCode(1)
        }
        if json {
            // Everything retained, then `--for` seconds of what comes.
            while follower.readOnce() {}
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                follower.readOnce()
                try? await Task.sleep(for: .milliseconds(200))
            }
            var summary = follower.host.summary(label: "fleet").json()
            if case .object(var o) = summary {
                o["replicas"] = .array(follower.mirror.liveReplicas().map { .string($0) })
                o["batches"] = .number(JSONNumber(follower.mirror.batches))
                summary = .object(o)
            }
            Console.raw(summary.rendered(pretty: true) + "\n", to: .standardOutput)
            _ = follower.host.close()
            return
        }
        if let problem = Dashboard.terminalProblem {
            Console.err("abtop watch: \(problem)")
            throw ExitCode(2)
        }
        follower.start()
        let link = FleetLink(pool: pool, replica: "watch-\(ProcessInfo.processInfo.hostName)") { _ in }
        await Dashboard.run(model: FleetWatchModel(follower: follower, link: link), options: dashboard.resolve())
        follower.stop()
        _ = follower.host.close()
    }
}
