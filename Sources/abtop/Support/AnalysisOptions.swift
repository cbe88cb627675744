import ABCore
import ArgumentParser

/// How the verdicts are tested, shared by `run`, `demo` and `serve`: the family's error rate and the margins that
/// count as "no meaningful difference".
struct AnalysisOptions: ParsableArguments {
    @Option(help: "Family-wise error rate of the verdicts (each always-valid, however often read).")
    var alpha: Double = 0.05

    @Option(help: "Latency margin in percent: B / A within ±this is no meaningful difference.")
    var latencyMargin: Double = 10

    @Option(help: "Error-rate margin in percentage points: B − A within ±this is no meaningful difference.")
    var errorMargin: Double = 1

    @Option(
        help:
            "Cost margin in percent of the first entity's cost per request: B − A within ±this is no meaningful difference."
    )
    var costMargin: Double = 10

    func validate() throws {
        guard alpha.finite(in: 0.000001...0.5) != nil else {
            throw ValidationError("--alpha must be from 0.000001 to 0.5")
        }
        guard latencyMargin.finite(in: 0.01...1_000) != nil else {
            throw ValidationError("--latency-margin must be a percentage from 0.01 to 1000")
        }
        guard errorMargin.finite(in: 0.001...100) != nil else {
            throw ValidationError("--error-margin must be percentage points from 0.001 to 100")
        }
        guard costMargin.finite(in: 0.01...1_000) != nil else {
            throw ValidationError("--cost-margin must be a percentage from 0.01 to 1000")
        }
    }

    /// The settings for a session; `paired` when it may run in compare mode, `streaming` when TTFT is measured.
    func settings(streaming: Bool, paired: Bool) -> VerdictAnalysis.Settings {
        VerdictAnalysis.Settings(
            alpha: alpha, latencyMargin: latencyMargin / 100, errorMargin: errorMargin / 100, streaming: streaming,
            paired: paired, costMargin: costMargin / 100)
    }
}
