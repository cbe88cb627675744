import ABCore

/// `abtop diff A B` as text and JSON: per entity both sessions ran, each session's own figures (as its report shows
/// them), the verdicts of B against A, and the prompts that got worse.
public struct DiffReport: Sendable {
    public struct Side: Sendable {
        public let label: String
        public let snapshot: Snapshot

        public init(label: String, snapshot: Snapshot) {
            self.label = label
            self.snapshot = snapshot
        }
    }

    public let a: Side
    public let b: Side
    public let entities: [SessionDiff.EntityDiff]
    public let alpha: Double
    /// The judge's model, when `--judge` read the answers.
    public var judgeModel: String?

    public init(a: Side, b: Side, entities: [SessionDiff.EntityDiff], alpha: Double) {
        self.a = a
        self.b = b
        self.entities = entities
        self.alpha = alpha
    }

    /// Each session's own figures for an entity, as its report shows them.
    static let figures = ReportTable<(label: String, e: EntitySnapshot)>(columns: [
        ReportColumn("session", .left) { $0.label },
        ReportColumn("requests", .right) { Format.count($0.e.requests) },
        ReportColumn("errors", .right) { "\($0.e.errorCount) (\(Format.percent($0.e.errorRate.estimate)))" },
        ReportColumn("p50", .right) { Format.milliseconds($0.e.e2e?.p50) },
        ReportColumn("p95", .right) { Format.milliseconds($0.e.e2e?.p95) },
        ReportColumn("TTFT p50", .right) { Format.milliseconds($0.e.ttft?.p50) },
        ReportColumn("cost", .right) { Format.dollars($0.e.costUSD) },
        ReportColumn("checks passed", .right) {
            $0.e.checks.run > 0 ? "\($0.e.checks.passed)/\($0.e.checks.run)" : "—"
        },
    ])

    private func rows(_ name: String) -> [(label: String, e: EntitySnapshot)] {
        [a, b].compactMap { side in
            side.snapshot.entities.first { $0.info.name == name }.map { (side.label, $0) }
        }
    }

    /// How many regressions a section lists before "and N more".
    static let listed = 20

    public func text() -> String {
        var out = "abtop diff: \(b.label) against \(a.label)\n"
        let comparisons = entities.reduce(0) { $0 + $1.verdicts.count }
        out +=
            "(\(comparisons) comparisons; the chance that any is wrong ≤ \(Format.percent(alpha, digits: 0)), "
            + "however often read)\n"
        if entities.isEmpty { out += "\nno entity ran in both sessions: nothing to compare\n" }
        for e in entities {
            let table = Self.figures.text(rows(e.name))
            out += "\n\(e.name)\n" + table + (table.hasSuffix("\n") ? "" : "\n")
            for v in e.verdicts {
                let mark = v.state == .decided ? "●" : v.state == .equivalent ? "≈" : "○"
                out += Format.wrapped("\(mark) \(v.text)", width: 116, indent: "    ") + "\n"
            }
            out +=
                "prompts compared: \(e.promptsCompared); got worse: \(e.regressions.count); better: \(e.improvements)\n"
            if let model = judgeModel {
                let judge = JudgeSummary(e.judgements)
                out += "  " + judge.overview(model: model) + "\n"
                for s in judge.standings(names: [a.label, b.label], alpha: alpha / Double(max(1, entities.count))) {
                    out +=
                        Format.wrapped("  \(s.winner == nil ? "○" : "●") \(s.text)", width: 116, indent: "    ") + "\n"
                }
            }
            for r in e.regressions.prefix(Self.listed) {
                out += "  ✗ \(r.promptID) “\(Format.middle(r.prompt, 60))”: \(r.before) → \(r.after)\n"
            }
            if e.regressions.count > Self.listed { out += "  … and \(e.regressions.count - Self.listed) more\n" }
        }
        return TerminalText.sanitized(out)
    }

    /// The judge on A's answers against B's for one entity: how many it judged, B's wins, ties and losses, and
    /// which session's answers it decidedly prefers, if either.
    private func judgeJSON(_ e: SessionDiff.EntityDiff) -> JSONValue {
        let judge = JudgeSummary(e.judgements)
        let head = HeadToHead.of(judge.votes, entityCount: 2, alpha: alpha / Double(max(1, entities.count))).first
        let bWins = judge.votes.filter { $0.score(for: 1) == 1 }.count
        let bLosses = judge.votes.filter { $0.score(for: 1) == 0 }.count
        return [
            "model": .string(judgeModel ?? ""), "judged": .number(JSONNumber(judge.judged)),
            "b_wins": .number(JSONNumber(bWins)), "ties": .number(JSONNumber(judge.ties)),
            "b_losses": .number(JSONNumber(bLosses)),
            "consistency": judge.consistency.map { .number(JSONNumber($0)) } ?? .null,
            "failures": .object(
                JSONObject(
                    judge.failures.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                        .init(key: $0.key.rawValue, value: .number(JSONNumber($0.value)))
                    })),
            "winner": head?.winner.map { .string($0 == 0 ? a.label : b.label) } ?? .null,
        ]
    }

    public func json() -> JSONValue {
        let list: [JSONValue] = entities.map { e in
            let figures: [JSONValue] = rows(e.name).map { label, s in
                [
                    "session": .string(label), "requests": .number(JSONNumber(s.requests)),
                    "errors": .number(JSONNumber(s.errorCount)),
                    "p50_ms": s.e2e.map { .number(JSONNumber($0.p50)) } ?? .null,
                    "cost_usd": s.costUSD.map { .number(JSONNumber($0)) } ?? .null,
                    "checks_run": .number(JSONNumber(s.checks.run)),
                    "checks_passed": .number(JSONNumber(s.checks.passed)),
                ]
            }
            let regressions: [JSONValue] = e.regressions.map {
                [
                    "prompt_id": .string($0.promptID), "prompt": .string($0.prompt), "before": .string($0.before),
                    "after": .string($0.after),
                ]
            }
            return [
                "entity": .string(e.name), "sessions": .array(figures),
                "verdicts": .array(e.verdicts.map(VerdictJSON.verdict)), "regressions": .array(regressions),
                "improvements": .number(JSONNumber(e.improvements)),
                "prompts_compared": .number(JSONNumber(e.promptsCompared)),
                "judge": judgeModel == nil ? .null : judgeJSON(e),
            ]
        }
        return [
            "a": .string(a.label), "b": .string(b.label), "alpha": .number(JSONNumber(alpha)), "entities": .array(list),
        ]
    }
}
