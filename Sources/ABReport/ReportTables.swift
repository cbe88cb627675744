import ABCore

/// One column of a report table: its header, alignment and how a row shows in it.
public struct ReportColumn<Row>: Sendable {
    /// The header in reports (Markdown, HTML); the text summary shows it in capitals.
    public let title: String
    public let alignment: TextTable.Alignment
    public let value: @Sendable (Row) -> String

    init(_ title: String, _ alignment: TextTable.Alignment, value: @escaping @Sendable (Row) -> String) {
        self.title = title
        self.alignment = alignment
        self.value = value
    }
}

/// A table declared once as columns, rendered as text, Markdown or HTML: the summary and the reports take their
/// headers and cells from the same declaration, so they cannot drift apart.
public struct ReportTable<Row>: Sendable {
    public let columns: [ReportColumn<Row>]

    /// The table without the columns titled `titles` (what does not apply to a task).
    public func without(_ titles: Set<String>) -> ReportTable {
        ReportTable(columns: columns.filter { !titles.contains($0.title) })
    }

    public func text(_ rows: [Row]) -> String {
        var table = TextTable(columns.map { ($0.title.uppercased(), $0.alignment) })
        for row in rows { table.add(columns.map { $0.value(row) }) }
        return table.rendered()
    }

    /// The table in text at most `width` characters wide: columns past it go on in a table of their own below,
    /// each led by the first column (the entity), so a summary never wraps in a 120-column terminal.
    public func text(_ rows: [Row], width: Int) -> String {
        guard columns.count > 1 else { return text(rows) }
        let widths = columns.map { c in ([c.title.uppercased()] + rows.map { c.value($0) }).map(\.count).max() ?? 0 }
        var parts: [[Int]] = []
        var current: [Int] = []
        var used = widths[0]
        for i in columns.indices.dropFirst() {
            if !current.isEmpty, used + 2 + widths[i] > width {
                parts.append(current)
                current = []
                used = widths[0]
            }
            current.append(i)
            used += 2 + widths[i]
        }
        if !current.isEmpty { parts.append(current) }
        return parts.map { part in
            ReportTable(columns: [columns[0]] + part.map { columns[$0] }).text(rows)
        }.joined(separator: "\n\n")
    }

    public func markdown(_ rows: [Row]) -> String {
        var out = "| " + columns.map(\.title).joined(separator: " | ") + " |\n"
        out += "|" + columns.map { $0.alignment == .left ? "---|" : "--:|" }.joined() + "\n"
        for row in rows { out += "| " + columns.map { $0.value(row) }.joined(separator: " | ") + " |\n" }
        return out
    }

    /// An HTML table; `decorate` may wrap a row's first cell (HTML already escaped), e.g. with a colour dot.
    public func html(
        _ rows: [Row], escape: (String) -> String,
        decorate: (Int, String) -> String = { $1 }
    ) -> String {
        var out = "<table><tr>" + columns.map { "<th>\(escape($0.title))</th>" }.joined() + "</tr>\n"
        for (i, row) in rows.enumerated() {
            let cells = columns.enumerated().map { c, column -> String in
                let value = escape(column.value(row))
                let cell = c == 0 ? decorate(i, value) : value
                return column.alignment == .right ? "<td class=\"n\">\(cell)</td>" : "<td>\(cell)</td>"
            }
            out += "<tr>" + cells.joined() + "</tr>\n"
        }
        return out + "</table>\n"
    }
}

/// The report's tables.
public enum ReportTables {
    /// The summary table for a task: embeddings are never streamed, so no TTFT, TPOT or decode speed.
    public static func entities(for task: EndpointTask) -> ReportTable<EntitySnapshot> {
        task == .embeddings ? entities.without(["TTFT p50", "TPOT p50", "tok/s"]) : entities
    }

    /// What each arm is, where arms differ by more than the model: shown only then (see `armsDiffer`).
    public static let arms = ReportTable<EntitySnapshot>(columns: [
        ReportColumn("entity", .left) { $0.info.name },
        ReportColumn("provider", .left) { $0.info.provider },
        ReportColumn("model", .left) { $0.info.model },
        ReportColumn("settings", .left) { $0.info.settings ?? "as requested" },
    ])

    /// Answers checked against their prompts' `"expect"`: shown only when some were (see `anyChecks`).
    public static let checks = ReportTable<EntitySnapshot>(columns: [
        ReportColumn("entity", .left) { $0.info.name },
        ReportColumn("checked", .right) { Format.count($0.checks.run) },
        ReportColumn("passed (95% CI)", .right) { e in
            guard e.checks.run > 0 else { return "—" }
            let r = e.checks.rate
            return
                "\(e.checks.passed) (\(Format.percent(r.estimate)), "
                + "\(Format.percent(r.lower))–\(Format.percent(r.upper)))"
        },
    ])

    public static func anyChecks(_ entities: [EntitySnapshot]) -> Bool { entities.contains { $0.checks.run > 0 } }

    /// Whether any arm has settings of its own (system prompt, parameters…).
    public static func armsDiffer(_ entities: [EntitySnapshot]) -> Bool {
        entities.contains { $0.info.settings != nil }
    }

    /// One row per entity: the summary's table and the reports' "Summary".
    public static let entities = ReportTable<EntitySnapshot>(columns: [
        ReportColumn("entity", .left) { $0.info.name },
        ReportColumn("model", .left) { $0.info.model },
        ReportColumn("target", .right) { "\($0.targetPercentage)%" },
        ReportColumn("share", .right) { Format.percent($0.overallShare) },
        ReportColumn("requests", .right) { Format.count($0.requests) },
        ReportColumn("errors (95% CI)", .right) { e in
            guard e.requests > 0 else { return "—" }
            let r = e.errorRate
            return
                "\(e.errorCount) (\(Format.percent(r.estimate)), "
                + "\(Format.percent(r.lower))–\(Format.percent(r.upper)))"
        },
        ReportColumn("p50", .right) { Format.milliseconds($0.e2e?.p50) },
        ReportColumn("p95", .right) { Format.milliseconds($0.e2e?.p95) },
        ReportColumn("p99", .right) { Format.milliseconds($0.e2e?.p99) },
        ReportColumn("TTFT p50", .right) { Format.milliseconds($0.ttft?.p50) },
        ReportColumn("TPOT p50", .right) { Format.milliseconds($0.tpot?.p50) },
        ReportColumn("tok/s", .right) { e in e.decodeTokensPerSecond.map { Format.fixed($0, 1) } ?? "—" },
        ReportColumn("tokens in / out", .right) { e in
            "\(Format.count(e.tokens.input)) / \(Format.count(e.tokens.output))\(e.tokens.estimated ? " (est.)" : "")"
        },
        ReportColumn("cost", .right) { Format.dollars($0.costUSD) },
    ])

    /// One row per verdict: what is known, its always-valid (family-adjusted) p-value, and the sentence.
    public static let verdicts = ReportTable<Verdict>(columns: [
        ReportColumn("metric", .left) { $0.metric.rawValue },
        ReportColumn("b vs a", .left) { "\($0.b) vs \($0.a)" },
        ReportColumn("state", .left) { $0.state.rawValue },
        ReportColumn("p (always-valid)", .right) { $0.pValue.map { Verdict.formatP($0) } ?? "—" },
        ReportColumn("n (a / b)", .right) { "\($0.nA) / \($0.nB)" },
        ReportColumn("verdict", .left) { $0.text },
    ])

    /// Errors per entity, one column per kind seen in the session.
    public static func errorKinds(_ kinds: [ErrorKind]) -> ReportTable<EntitySnapshot> {
        ReportTable<EntitySnapshot>(
            columns: [ReportColumn("entity", .left) { $0.info.name }]
                + kinds.map { kind in ReportColumn(kind.rawValue, .right) { String($0.errors[kind] ?? 0) } })
    }

    /// The scorecard: one row per arm, its columns what the session has (`Scorecard.header`).
    public static func scorecard(_ card: Scorecard) -> ReportTable<[String]> {
        ReportTable<[String]>(
            columns: card.header.enumerated().map { i, title in
                ReportColumn(title, i == 0 ? .left : .right) { $0.indices.contains(i) ? $0[i] : "" }
            })
    }

    /// Clients' feedback: one row per metric and entity.
    public static let feedback = ReportTable<(metric: String, boolean: Bool, entity: String, arm: FeedbackTally.Arm)>(
        columns: [
            ReportColumn("metric", .left) { $0.metric },
            ReportColumn("entity", .left) { $0.entity },
            ReportColumn("n", .right) { Format.count($0.arm.moments.count) },
            ReportColumn("mean", .right) { r in
                guard r.arm.moments.count > 0 else { return "—" }
                return r.boolean ? Format.percent(r.arm.moments.mean, digits: 0) : Format.fixed(r.arm.moments.mean, 2)
            },
        ])

    /// One row per split epoch, with its sample-ratio check.
    public static let epochs = ReportTable<(epoch: SplitEpoch, srm: SRMResult?)>(columns: [
        ReportColumn("epoch", .right) { String($0.epoch.index) },
        ReportColumn("from", .right) { "\(Format.fixed($0.epoch.startedAt, 1)) s" },
        ReportColumn("weights", .left) { $0.epoch.weights.description },
        ReportColumn("assigned", .left) { $0.srm.map { $0.observed.map(String.init).joined(separator: "/") } ?? "—" },
        ReportColumn("SRM p (sequential)", .right) { $0.srm?.pValue.map { Verdict.formatP($0) } ?? "—" },
        ReportColumn("flagged", .left) { $0.srm?.flagged == true ? "YES" : "no" },
    ])

    /// One row per entity that took part in a blind vote.
    /// One row per pair of entities that met in the votes: who beats whom (three or more entities).
    public static let headToHead = ReportTable<(a: String, b: String, pair: HeadToHead)>(columns: [
        ReportColumn("pair", .left) { "\($0.a) vs \($0.b)" },
        ReportColumn("votes", .right) { String($0.pair.votes) },
        ReportColumn("first's score (always-valid)", .right) { row in
            let r = row.pair.rate
            return "\(Format.percent(r.estimate, digits: 0)) "
                + "(\(Format.percent(r.lower, digits: 0))–\(Format.percent(r.upper, digits: 0)))"
        },
        ReportColumn("standing", .left) { row in
            switch row.pair.winner {
            case row.pair.a?: "\(row.a) beats \(row.b)"
            case row.pair.b?: "\(row.b) beats \(row.a)"
            default: "not decided"
            }
        },
    ])

    public static let votes = ReportTable<(name: String, rate: WinRate)>(columns: [
        ReportColumn("entity", .left) { $0.name },
        ReportColumn("votes", .right) { String($0.rate.votes) },
        ReportColumn("wins", .right) { String($0.rate.wins) },
        ReportColumn("ties", .right) { String($0.rate.ties) },
        ReportColumn("losses", .right) { String($0.rate.losses) },
        ReportColumn("win rate (always-valid)", .right) { row in
            let r = row.rate.rate
            return
                "\(Format.percent(r.estimate, digits: 0)) "
                + "(\(Format.percent(r.lower, digits: 0))–\(Format.percent(r.upper, digits: 0)))"
        },
    ])
}
