import ABCore
import ABServer
import ABTUI
import Foundation
import Synchronization

/// The dashboard over `abtop serve`: one endpoint at a time (`n` shows the next), drawn exactly as a run is.
/// Sliders move the endpoint's live split, which `GET …/{name}` then shows; a `PUT …/config` moves the sliders.
final class ServeModel: DashboardModel {
    let registry: ServingRegistry
    /// Where the server listens, for the waiting screen.
    let address: String
    private let state = Mutex(State())

    private struct State {
        var selected: String?
        var status = StatusNote()
    }

    init(registry: ServingRegistry, address: String) {
        self.registry = registry
        self.address = address
    }

    /// The endpoint on screen: the one chosen last, else the first.
    private func current() -> (endpoints: [ServingRegistry.Endpoint], index: Int)? {
        let endpoints = registry.endpoints
        guard !endpoints.isEmpty else { return nil }
        let selected = state.withLock { $0.selected }
        return (endpoints, endpoints.firstIndex { $0.name == selected } ?? 0)
    }

    func frame() -> DashboardFrame {
        let status = state.withLock { s -> String? in s.status.current }
        guard let (endpoints, index) = current(), let runtime = endpoints[index].serve else {
            var frame = DashboardFrame(
                endpoint: "no endpoint yet", mode: .split, snapshot: .empty(time: 0), status: status)
            frame.serving = true
            frame.address = address
            frame.waiting = [
                "abtop serve is listening on \(address)",
                "",
                "no serving endpoint yet: create one with",
                "POST \(address)/api/2.0/serving-endpoints  {\"name\": ..., \"config\": {...}}",
                "or mlflow.deployments.get_deploy_client(\"databricks\").create_endpoint(...)",
                "with DATABRICKS_HOST=\(address)",
            ]
            return frame
        }
        var frame = runtime.live.frame()
        // In a fleet the rollout is the fleet's (its leader's state in Redis), not this replica's controller's.
        if runtime.fleet?.value != nil {
            frame.rollout = runtime.rollout.map { ($0.line(now: Date().timeIntervalSince1970), $0.phase) }
        }
        frame.serving = true
        frame.address = address
        frame.endpoints = endpoints.map(\.name)
        frame.endpointIndex = index
        if let status { frame.status = status }
        return frame
    }

    func perform(_ command: DashboardCommand) {
        switch command {
        case .nextEndpoint:
            guard let (endpoints, index) = current() else { return }
            let next = endpoints[(index + 1) % endpoints.count].name
            state.withLock {
                $0.selected = next
                $0.status.set("showing endpoint \(next)")
            }
        case .setPaused, .scaleRate:
            note("abtop serve answers its clients' requests: there is no load of its own to pause or pace")
        case .setCompareMode:
            note("compare mode belongs to abtop run / demo; served requests follow the split")
        case .rollout(let command) where current().flatMap({ $0.endpoints[$0.index].serve?.fleet?.value }) != nil:
            // A fleet's rollout is run by its leader: the command goes there (through Redis), off the frame loop.
            guard let (endpoints, index) = current(), let runtime = endpoints[index].serve else { return }
            Task {
                do throws(ServingError) {
                    let state = try await runtime.rollout(.command(command))
                    note("rollout: \(state.moves.last?.reason ?? state.phase.rawValue)")
                } catch {
                    note("rollout: \(error.message)")
                }
            }
        default:
            guard let (endpoints, index) = current(), let runtime = endpoints[index].serve else {
                return
            }
            state.withLock { $0.status = StatusNote() }
            runtime.live.perform(command)
        }
    }

    private func note(_ text: String) {
        state.withLock { $0.status.set(text) }
    }
}
