import ABCore

/// The verdict, SRM and progress JSON that `--json`, `--progress jsonl` and the JSON report share: one writer, so
/// the contract (README, "JSON contracts") cannot drift between them. Fields are only ever added.
public enum VerdictJSON {
    public static func verdict(_ v: Verdict) -> JSONValue {
        func number(_ x: Double?) -> JSONValue {
            guard let x, x.isFinite else { return .null }
            return .number(JSONNumber(x))
        }
        let unit: String =
            switch v.metric {
            case .errorRate, .errorRatePaired, .checkPassRate: "rate"
            case .latencyE2EPaired, .ttftPaired: "ratio"
            case .cost: "usd_per_1k_requests"
            default: "ms"
            }
        return [
            "metric": .string(v.metric.rawValue), "a": .string(v.a), "b": .string(v.b),
            "state": .string(v.state.rawValue),
            "p_value": number(v.pValue), "low": number(v.low), "high": number(v.high), "unit": .string(unit),
            "ratio": number(v.ratio), "ratio_low": number(v.ratioLow), "ratio_high": number(v.ratioHigh),
            "estimate_a": number(v.estimateA), "estimate_b": number(v.estimateB),
            "n_a": .number(JSONNumber(v.nA)), "n_b": .number(JSONNumber(v.nB)), "primary": .bool(v.primary),
            "significant": .bool(v.significant), "drift": .bool(v.drift), "text": .string(v.text),
        ]
    }

    public static func srm(_ r: SRMResult, names: [String]) -> JSONValue {
        [
            "epoch": .number(JSONNumber(r.epoch)),
            "weights": .object(
                JSONObject(zip(names, r.weights).map { .init(key: $0, value: .number(JSONNumber($1))) })),
            "observed": .object(
                JSONObject(zip(names, r.observed).map { .init(key: $0, value: .number(JSONNumber($1))) })),
            "p_value": r.pValue.map { .number(JSONNumber($0)) } ?? .null, "flagged": .bool(r.flagged),
        ]
    }

    /// The family the verdicts' guarantee holds over.
    public static func family(size: Int, alpha: Double) -> JSONValue {
        [
            "size": .number(JSONNumber(size)), "alpha": .number(JSONNumber(alpha)),
            "correction": .string("bonferroni"),
        ]
    }

    /// One `--progress jsonl` line: the counts per entity and every verdict as they stand.
    public static func progress(
        snapshot s: Snapshot, verdicts: [Verdict], srm srmResults: [SRMResult], familySize: Int, alpha: Double,
        mode: RunMode
    ) -> JSONValue {
        let names = s.entities.map(\.info.name)
        return [
            "elapsed_s": .number(JSONNumber((s.time * 1000).rounded() / 1000)), "mode": .string(mode.rawValue),
            "entities": .array(
                s.entities.map { e in
                    [
                        "name": .string(e.info.name), "assigned": .number(JSONNumber(e.assigned)),
                        "finished": .number(JSONNumber(e.requests)), "errors": .number(JSONNumber(e.errorCount)),
                        "cancelled": .number(JSONNumber(e.cancelled)), "in_flight": .number(JSONNumber(e.inFlight)),
                        "observed_share": mode == .compare
                            ? .null
                            : e.observedShare.map { .number(JSONNumber(($0 * 10_000).rounded() / 10_000)) }
                                ?? .null,
                        "target_percentage": .number(JSONNumber(e.targetPercentage)),
                    ]
                }),
            "verdicts": .array(verdicts.map(verdict)),
            "srm": .array(mode == .compare ? [] : srmResults.map { srm($0, names: names) }),
            "family": family(size: familySize, alpha: alpha),
            "decided": .bool(VerdictAnalysis.primaryDone(verdicts, mode: mode)),
        ]
    }
}
