import ABCore
import ABEngine
import ABReport
import ABStore
import ABTUI
import ArgumentParser
import Foundation
import Logging

/// Runs a session with the dashboard in front: load in the background, the dashboard until `q` (or a signal, or
/// a hang-up); the caller then finishes the session (`SessionHost.finish`: the summary on stdout, as oha does).
enum LiveRun {
    static func run(
        _ host: SessionHost, prompts: [PromptItem], shape: LoadShape, limits: LoadLimits,
        dashboard: DashboardOptions
    ) async {
        // The dashboard owns the screen: log lines would corrupt it.
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        let control = LoadControl()
        let rate: Double? = if case .open(let r) = shape { r } else { nil }
        let load = Task { await host.load(prompts, shape: shape, limits: limits, control: control) }
        let model = LiveModel(host: host, control: control, rate: rate)
        await Dashboard.run(model: model, options: dashboard.resolve())
        // Stop sending and wait for what is in flight to end as cancelled (at once: the transport cancels each
        // transfer with its task), so every request is recorded, and journaled, before the session closes.
        control.stop()
        load.cancel()
        await load.value
        await model.cancelTypedPrompts()
    }
}
