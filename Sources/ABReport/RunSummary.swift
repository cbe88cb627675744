import ABCore

/// The end-of-run summary of `abtop run --headless`: a text table, or the JSON contract of DESIGN §11.
public struct RunSummary: Sendable {
    public let endpoint: String
    public let mode: String
    public let duration: Double
    public let seed: UInt64
    public let snapshot: Snapshot
    public let verdicts: [Verdict]
    public let srm: [SRMResult]
    /// Blind votes cast in compare mode.
    public let votes: [Vote]
    /// The family the verdicts' guarantee holds over (size 0: unknown, a replayed journal).
    public var familySize = 0
    public var alpha = 0.05
    /// Why the run stopped, when it had a goal (`--until-decided`).
    public var stop: StopReason?
    /// The endpoint's task: what the tables leave out (no TTFT for embeddings).
    public var task = EndpointTask.chat
    /// How alike each entity's answers to a repeated prompt were (`run --repeat N`); empty when none repeated.
    public var consistency: [Consistency.Figures] = []
    /// Clients' feedback (`POST /feedback`) per metric and entity; nil or empty when none came.
    public var feedback: FeedbackTally?
    /// The LLM judge's verdicts and failures (`abtop.judge`), and its model; empty without a judge.
    public var judgements: [Judgement] = []
    public var judgeModel = "judge"

    /// Why a run with `--until-decided` ended.
    public enum StopReason: String, Sendable {
        /// Every primary comparison decided or within its margin.
        case decided
        case maxRequests = "max_requests"
        case maxDuration = "max_duration"
        case interrupted

        public var text: String {
            switch self {
            case .decided: "stopped: every primary comparison is decided or within its margin"
            case .maxRequests: "stopped: --max-requests reached before every primary comparison was decided"
            case .maxDuration: "stopped: --max-duration reached before every primary comparison was decided"
            case .interrupted: "stopped: interrupted before every primary comparison was decided"
            }
        }
    }

    public init(
        endpoint: String, mode: String, duration: Double, seed: UInt64, snapshot: Snapshot,
        verdicts: [Verdict], srm: [SRMResult], votes: [Vote] = []
    ) {
        self.endpoint = endpoint
        self.mode = mode
        self.duration = duration
        self.seed = seed
        self.snapshot = snapshot
        self.verdicts = verdicts
        self.srm = srm
        self.votes = votes
    }

    /// Each entity's record over the votes it took part in (entities with none left out).
    public var winRates: [WinRate] {
        WinRate.of(votes, entityCount: snapshot.entities.count, alpha: alpha).filter { $0.votes > 0 }
    }

    public var requests: Int { snapshot.totalRequests }

    public func text() -> String {
        let rate = duration > 0 ? Double(requests) / duration : 0
        var out =
            "\(endpoint) · \(mode) · \(Format.count(requests)) requests "
            + "in \(Format.fixed(duration, 1)) s (\(Format.fixed(rate, 1))/s)\n"
            + Format.wrapped("Bottom line: " + bottomLine, width: Self.textWidth, indent: "  ") + "\n\n"
        out += ReportTables.entities(for: task).text(snapshot.entities, width: Self.textWidth) + "\n"
        if ReportTables.armsDiffer(snapshot.entities) {
            out += "\n" + ReportTables.arms.text(snapshot.entities, width: Self.textWidth) + "\n"
        }
        if ReportTables.anyChecks(snapshot.entities) {
            out += "\n" + ReportTables.checks.text(snapshot.entities) + "\n"
        }
        let notes = snapshot.entities.compactMap { e -> String? in
            var parts: [String] = []
            if !e.errors.isEmpty {
                parts.append(
                    "errors "
                        + e.errors.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(
                            separator: ", "))
            }
            if e.retries > 0 { parts.append("\(e.retries) retries") }
            if e.fallbacks > 0 { parts.append("answered \(e.fallbacks) as fallback") }
            if e.notSent > 0 { parts.append("\(e.notSent) prompts not sent (breaker open)") }
            if e.steered > 0 {
                parts.append("\(e.steered) requests moved here by a breaker (not counted in the sample-ratio check)")
            }
            if e.cancelled > 0 { parts.append("\(e.cancelled) cancelled by the run (not errors)") }
            return parts.isEmpty ? nil : "  \(e.info.name): \(parts.joined(separator: "; "))"
        }
        if !notes.isEmpty {
            out +=
                "\n" + notes.map { Format.wrapped($0, width: Self.textWidth, indent: "    ") }.joined(separator: "\n")
            out += "\n"
        }
        if snapshot.entities.contains(where: { $0.tokens.estimated }) {
            out += "  (est.) tokens estimated as (characters + 3) / 4 where the provider reported no usage\n"
        }
        if !verdicts.isEmpty {
            let shown = verdicts.filter {
                $0.metric.inBothModes || $0.metric.isPaired == (mode == RunMode.compare.rawValue)
            }
            out +=
                "\n"
                + Format.wrapped("Is the difference real? " + familyLine(shown: shown.count), width: Self.textWidth)
                + "\n"
            out +=
                shown.map {
                    Format.wrapped("  \(Self.mark($0.state)) \($0.text)", width: Self.textWidth, indent: "    ")
                }.joined(separator: "\n") + "\n"
        }
        if let stop { out += "\n\(stop.text)\n" }
        if !consistency.isEmpty {
            out += "\nRepeated prompts (the same prompt answered more than once):\n"
            for c in consistency where c.prompts > 0 {
                var line =
                    "  \(c.entity): \(c.prompts) prompts, identical answers in \(Format.percent(c.identicalShare, digits: 0)) "
                    + "of \(Format.count(c.pairs)) pairs"
                if c.checkPairs > 0 {
                    line +=
                        "; checks agree in \(Format.percent(c.checksAgreeShare, digits: 0)) of \(Format.count(c.checkPairs))"
                }
                out += Format.wrapped(line, width: Self.textWidth, indent: "    ") + "\n"
            }
        }
        if let feedback, !feedback.metrics.isEmpty {
            let names = snapshot.entities.map(\.info.name)
            out += "\nFeedback (POST /feedback; a family of its own):\n"
            for m in feedback.metrics {
                let per = m.arms.enumerated().map { i, arm -> String in
                    let mean =
                        arm.moments.count == 0
                        ? "—"
                        : m.isBoolean ? Format.percent(arm.moments.mean, digits: 0) : Format.fixed(arm.moments.mean, 2)
                    return "\(names[i]) \(mean) (n = \(arm.moments.count))"
                }
                out += "  \(m.name): " + per.joined(separator: ", ") + "\n"
            }
            for c in FeedbackAnalysis.compare(feedback, names: names, alpha: alpha) {
                out += Format.wrapped("  \(Self.mark(c.state)) \(c.text)", width: Self.textWidth, indent: "    ") + "\n"
            }
        }
        let card = scorecard
        if card.hasChecks || card.hasVotes || card.hasJudge || !card.feedbackMetrics.isEmpty {
            out += "\nScorecard (quality beside speed, errors and cost):\n"
            out += ReportTables.scorecard(card).text(card.cells) + "\n"
            out += Format.wrapped("  " + Scorecard.legend, width: Self.textWidth, indent: "  ") + "\n"
        }
        if !judgements.isEmpty {
            let names = snapshot.entities.map(\.info.name)
            let judge = JudgeSummary(judgements)
            out += "\nJudge (an LLM asked in both orders; a family of its own):\n"
            var lines = [judge.overview(model: judgeModel)]
            lines += judge.standings(names: names, alpha: alpha).map { "\($0.winner == nil ? "○" : "●") \($0.text)" }
            lines.append(judge.costLine)
            if let agreement = JudgeAgreement.of(judgements, votes: votes) { lines.append(agreement.text) }
            lines += judge.formatSamples.map { "out of format, the judge wrote: “\($0)”" }
            for line in lines { out += Format.wrapped("  " + line, width: Self.textWidth, indent: "    ") + "\n" }
        }
        if !votes.isEmpty {
            out += "\nBlind votes (\(votes.count)):\n"
            for w in winRates {
                out +=
                    "  \(snapshot.entities[w.entity].info.name): \(w.wins) won, \(w.ties) tied, \(w.losses) lost · "
                    + "win rate \(Format.percent(w.rate.estimate, digits: 0)) "
                    + "(\(Format.percent(w.rate.lower, digits: 0))–"
                    + "\(Format.percent(w.rate.upper, digits: 0)), always-valid)\n"
            }
        }
        for r in srm where r.flagged {
            out +=
                "\n"
                + Format.wrapped(
                    "  SAMPLE RATIO MISMATCH in epoch \(r.epoch): "
                        + "assigned \(r.observed) against weights \(r.weights) (\(Verdict.formatP(r.pValue ?? 0)), "
                        + "sequential): the split is not doing what it says (picks a breaker moved are not counted)",
                    width: Self.textWidth, indent: "    ") + "\n"
        }
        return out
    }

    /// The widest a text summary is: it fits a 120-column terminal.
    public static let textWidth = 118

    /// The family line for `shown` verdicts: when the family holds more (a live run's family has compare mode's
    /// comparisons too), it says how many are shown and why the rest are not.
    public func familyLine(shown: Int) -> String {
        guard familySize > shown, shown > 0 else { return familyLine }
        let other = mode == RunMode.compare.rawValue ? "split" : "compare"
        return "(\(shown) of the family's \(familySize) comparisons shown, the rest are \(other) mode's; the chance "
            + "that any of the \(familySize) is wrong ≤ \(Format.percent(alpha, digits: exactPlaces(alpha * 100))), "
            + "however often read)"
    }

    /// "(5 comparisons; the chance that any is wrong ≤ 5 %, however often read)".
    public var familyLine: String {
        guard familySize > 0 else { return "(always-valid)" }
        return "(\(familySize) comparison\(familySize == 1 ? "" : "s"); the chance that any is wrong ≤ "
            + "\(Format.percent(alpha, digits: exactPlaces(alpha * 100))), however often read)"
    }

    static func mark(_ state: Verdict.State) -> String {
        switch state {
        case .decided: "●"
        case .equivalent: "≈"
        case .notYet: "○"
        }
    }

    public func json() -> JSONValue {
        let names = snapshot.entities.map(\.info.name)
        return [
            "endpoint": .string(endpoint), "mode": .string(mode),
            "duration_s": .number(JSONNumber(rounded(duration, 3))), "requests": .number(JSONNumber(requests)),
            "seed": .number(JSONNumber(literal: String(seed), value: Double(seed))),
            "entities": .array(snapshot.entities.map(entityJSON)),
            "verdicts": .array(verdicts.map(VerdictJSON.verdict)),
            "family": VerdictJSON.family(size: familySize, alpha: alpha),
            "stop": stop.map { .string($0.rawValue) } ?? .null,
            "srm": .array(srm.map { VerdictJSON.srm($0, names: names) }),
            "consistency": .array(
                consistency.map { c in
                    [
                        "entity": .string(c.entity), "prompts": .number(JSONNumber(c.prompts)),
                        "pairs": .number(JSONNumber(c.pairs)), "identical": .number(JSONNumber(c.identical)),
                        "check_pairs": .number(JSONNumber(c.checkPairs)),
                        "checks_agree": .number(JSONNumber(c.checksAgree)),
                    ]
                }),
            "win_rates": .array(
                winRates.map { w in
                    [
                        "entity": .string(names[w.entity]), "votes": .number(JSONNumber(w.votes)),
                        "wins": .number(JSONNumber(w.wins)), "ties": .number(JSONNumber(w.ties)),
                        "losses": .number(JSONNumber(w.losses)), "rate": .number(JSONNumber(w.rate.estimate)),
                        "lower": .number(JSONNumber(w.rate.lower)), "upper": .number(JSONNumber(w.rate.upper)),
                        "p_value": .number(JSONNumber(w.pValue)),
                    ]
                }),
            "judge": judgeJSON(names: names),
            "scorecard": .array(
                scorecard.rows.map { r in
                    func number(_ x: Double?) -> JSONValue { x.map { .number(JSONNumber(rounded($0, 6))) } ?? .null }
                    return [
                        "entity": .string(r.entity), "requests": .number(JSONNumber(r.requests)),
                        "error_rate": number(r.errorRate), "latency_p50_ms": number(r.p50ms),
                        "latency_p95_ms": number(r.p95ms), "ttft_p50_ms": number(r.ttftP50ms),
                        "cost_per_1k_requests_usd": number(r.costPer1k), "check_pass_rate": number(r.checkPassRate),
                        "vote_score": number(r.voteScore), "judge_score": number(r.judgeScore),
                        "feedback": .object(
                            JSONObject(
                                zip(scorecard.feedbackMetrics, r.feedback).map { .init(key: $0, value: number($1)) })),
                    ]
                }),
        ]
    }

    /// Speed, errors, cost and quality per arm (`Scorecard`).
    public var scorecard: Scorecard {
        Scorecard(snapshot: snapshot, votes: votes, judgements: judgements, feedback: feedback)
    }

    /// The judge's record: counts, consistency, failures, cost, each pair's standing and the agreement with votes.
    private func judgeJSON(names: [String]) -> JSONValue {
        guard !judgements.isEmpty else { return .null }
        let judge = JudgeSummary(judgements)
        let agreement = JudgeAgreement.of(judgements, votes: votes)
        let heads = HeadToHead.of(judge.votes, entityCount: names.count, alpha: alpha)
        return [
            "model": .string(judgeModel), "judged": .number(JSONNumber(judge.judged)),
            "ties": .number(JSONNumber(judge.ties)),
            "consistency": judge.consistency.map { .number(JSONNumber(rounded($0, 4))) } ?? .null,
            "failures": .object(
                JSONObject(
                    judge.failures.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                        .init(key: $0.key.rawValue, value: .number(JSONNumber($0.value)))
                    })),
            "tokens": [
                "input": .number(JSONNumber(judge.inputTokens)), "output": .number(JSONNumber(judge.outputTokens)),
            ],
            "cost_usd": judge.costUSD.map { .number(JSONNumber(rounded($0, 6))) } ?? .null,
            "pairs": .array(
                heads.map { h in
                    [
                        "a": .string(names[h.a]), "b": .string(names[h.b]), "judged": .number(JSONNumber(h.votes)),
                        "a_score": .number(JSONNumber(h.rate.estimate)), "lower": .number(JSONNumber(h.rate.lower)),
                        "upper": .number(JSONNumber(h.rate.upper)),
                        "winner": h.winner.map { .string(names[$0]) } ?? .null,
                    ]
                }),
            "agreement": agreement.map { a in
                [
                    "pairs": .number(JSONNumber(a.pairs)), "agreed": .number(JSONNumber(a.agreed)),
                    "kappa": a.kappa.map { .number(JSONNumber(rounded($0, 4))) } ?? .null,
                ]
            } ?? .null,
        ]
    }

    private func entityJSON(_ e: EntitySnapshot) -> JSONValue {
        func percentiles(_ p: Percentiles?) -> JSONValue {
            guard let p else { return .null }
            return [
                "p50": .number(JSONNumber(p.p50)), "p90": .number(JSONNumber(p.p90)),
                "p95": .number(JSONNumber(p.p95)), "p99": .number(JSONNumber(p.p99)), "max": .number(JSONNumber(p.max)),
            ]
        }
        return [
            "name": .string(e.info.name), "provider": .string(e.info.provider), "model": .string(e.info.model),
            "settings": e.info.settings.map(JSONValue.string) ?? .null,
            "checks": ["run": .number(JSONNumber(e.checks.run)), "passed": .number(JSONNumber(e.checks.passed))],
            "target_percentage": .number(JSONNumber(e.targetPercentage)),
            "observed_share": assignedShare(e).map { .number(JSONNumber(rounded($0, 4))) } ?? .null,
            "requests": .number(JSONNumber(e.requests)), "successes": .number(JSONNumber(e.successes)),
            "assigned": .number(JSONNumber(e.assigned)), "cancelled": .number(JSONNumber(e.cancelled)),
            "errors": .object(
                JSONObject(
                    e.errors.sorted { $0.key < $1.key }.map {
                        .init(key: $0.key.rawValue, value: .number(JSONNumber($0.value)))
                    })),
            "retries": .number(JSONNumber(e.retries)), "fallbacks": .number(JSONNumber(e.fallbacks)),
            "latency_ms": percentiles(e.e2e), "ttft_ms": percentiles(e.ttft), "tpot_ms": percentiles(e.tpot),
            "tokens": [
                "input": .number(JSONNumber(e.tokens.input)), "output": .number(JSONNumber(e.tokens.output)),
                "estimated": .bool(e.tokens.estimated),
            ],
            "cost_usd": e.costUSD.map { .number(JSONNumber(rounded($0, 6))) } ?? .null,
        ]
    }

    /// The entity's share of the router's picks over the run (nil in compare mode, or before any pick).
    private func assignedShare(_ e: EntitySnapshot) -> Double? {
        mode == RunMode.compare.rawValue ? nil : e.overallShare
    }

    private func rounded(_ x: Double, _ places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (x * scale).rounded() / scale
    }
}
