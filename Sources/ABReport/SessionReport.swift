import ABCore

/// Everything a report shows, from the journal: the summary numbers (replayed through the run's own aggregator),
/// the split history, votes and sample outputs.
public struct SessionReport: Sendable {
    public let id: Int64
    public let summary: RunSummary
    public let startedAt: String
    public let version: String
    public let epochs: [SplitEpoch]
    public let records: [RequestRecord]
    public let votes: [Vote]
    public let configJSON: String
    /// Request rows of the journal that could not be read (damaged or edited) and are left out.
    public let leftOut: Int
    /// Clients' feedback on served requests (`POST /feedback`), in the order it came.
    public var feedback: [Feedback] = []

    /// The feedback tallied per metric and entity.
    var feedbackTally: FeedbackTally {
        var t = FeedbackTally(entities: names.count)
        for f in feedback { t.add(f) }
        return t
    }

    public init(
        id: Int64, summary: RunSummary, startedAt: String, version: String, epochs: [SplitEpoch],
        records: [RequestRecord], votes: [Vote], configJSON: String, leftOut: Int = 0
    ) {
        self.leftOut = leftOut
        self.id = id
        self.summary = summary
        self.startedAt = startedAt
        self.version = version
        self.epochs = epochs
        self.records = records
        self.votes = votes
        self.configJSON = configJSON
    }

    var names: [String] { summary.snapshot.entities.map(\.info.name) }

    /// Verdicts grouped by state: decided first, then the same within a margin, then those still open.
    static func byState(_ verdicts: [Verdict]) -> [Verdict] {
        let order: [Verdict.State] = [.decided, .equivalent, .notYet]
        return order.flatMap { state in verdicts.filter { $0.state == state } }
    }

    /// Text for Markdown: what could be read as markup (a model name with `*` or `|`) is escaped.
    static func mdText(_ s: String) -> String {
        var out = ""
        for c in TerminalText.sanitized(s) {
            if "\\`*_[]<>|#".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// The line a report opens with when rows were left out, or nil.
    var leftOutNote: String? {
        leftOut == 0
            ? nil
            : "\(Format.count(leftOut)) request rows of the journal could not be read (a value missing or out of "
                + "range: the file was damaged or edited) and are left out of this report."
    }

    /// Each epoch with its sample-ratio check.
    var epochRows: [(epoch: SplitEpoch, srm: SRMResult?)] {
        epochs.map { e in (e, summary.srm.first { $0.epoch == e.index }) }
    }

    /// The last ten votes that name their prompt (`Vote.group`): what was preferred, on which prompt.
    var votedPrompts: [(prompt: String, line: String)] {
        var prompts: [Int: String] = [:]
        for r in records { if let g = r.group, prompts[g] == nil { prompts[g] = r.prompt } }
        return votes.suffix(10).compactMap { v in
            guard let g = v.group, let prompt = prompts[g], v.a < names.count, v.b < names.count else { return nil }
            let line =
                switch v.choice {
                case .aBetter: "\(names[v.a]) preferred to \(names[v.b])"
                case .bBetter: "\(names[v.b]) preferred to \(names[v.a])"
                case .tie: "\(names[v.a]) and \(names[v.b]) tied"
                case .bothBad: "\(names[v.a]) and \(names[v.b]) both bad"
                }
            return (String(prompt.prefix(120)), line)
        }
    }

    /// With three or more entities, each pair that met in the votes: who beats whom.
    var headToHeadRows: [(a: String, b: String, pair: HeadToHead)] {
        guard names.count >= 3 else { return [] }
        return HeadToHead.of(votes, entityCount: names.count, alpha: summary.alpha).map {
            (names[$0.a], names[$0.b], $0)
        }
    }

    /// Each entity that took part in a vote, with its win rate.
    var voteRows: [(name: String, rate: WinRate)] { summary.winRates.map { (names[$0.entity], $0) } }

    /// The same prompt's answers from different entities (compare groups first, else the latest per entity).
    func sampleGroups(limit: Int) -> [(String, [(String, String)])] {
        var byGroup: [Int: [RequestRecord]] = [:]
        for r in records { if let g = r.group { byGroup[g, default: []].append(r) } }
        let groups = byGroup.keys.sorted().suffix(limit).map { g in
            (
                byGroup[g]![0].prompt,
                byGroup[g]!.sorted { $0.outcome.entity < $1.outcome.entity }.map {
                    (names[$0.outcome.entity], $0.output)
                }
            )
        }
        if !groups.isEmpty { return groups }
        var byPrompt: [String: [Int: RequestRecord]] = [:]
        for r in records where r.outcome.error == nil { byPrompt[r.prompt, default: [:]][r.outcome.entity] = r }
        return byPrompt.filter { $0.value.count >= 2 }.sorted { $0.key < $1.key }.prefix(limit).map { prompt, m in
            (prompt, m.keys.sorted().map { (names[$0], m[$0]!.output) })
        }
    }

    /// JSON: the headless summary's fields, plus the session, split history, votes and the redacted config.
    public func json() -> JSONValue {
        guard case .object(var o) = summary.json() else { return summary.json() }
        o["session"] = .number(JSONNumber(Int(id)))
        o["started_at"] = .string(startedAt)
        o["abtop_version"] = .string(version)
        o["left_out_rows"] = .number(JSONNumber(leftOut))
        o["epochs"] = .array(
            epochs.map { e in
                [
                    "index": .number(JSONNumber(e.index)), "started_at_s": .number(JSONNumber(e.startedAt)),
                    "weights": .object(
                        JSONObject(
                            zip(names, e.weights.percentages).map { .init(key: $0, value: .number(JSONNumber($1))) })),
                ]
            })
        o["votes"] = .array(
            votes.map { v in ["a": .string(names[v.a]), "b": .string(names[v.b]), "choice": .string(v.choice.rawValue)]
            })
        o["config"] = (try? JSONParser.parse(configJSON)) ?? .null
        return .object(o)
    }

    /// CSV: one row per request.
    public func csv() -> String {
        let header = [
            "seq", "prompt_id", "entity", "arm", "epoch", "is_fallback", "group", "retries", "streamed", "status",
            "error_kind", "e2e_ms", "ttft_ms", "tpot_ms", "tokens_in", "tokens_out", "tokens_estimated",
            "cost_usd", "finish_reason", "prompt", "output", "error_message",
        ]
        var out = header.joined(separator: ",") + "\n"
        for (i, r) in records.enumerated() {
            let o = r.outcome
            let fields: [String] = [
                String(i + 1), r.promptID, names[o.entity], names[o.arm], String(o.epoch), o.isFallback ? "1" : "0",
                r.group.map(String.init) ?? "", String(o.retries), o.streamed ? "1" : "0",
                o.status.map(String.init) ?? "",
                o.error?.rawValue ?? "", Format.fixed(Double(o.timing.e2eNanoseconds) / 1e6, 3),
                o.timing.ttftNanoseconds.map { Format.fixed(Double($0) / 1e6, 3) } ?? "",
                o.timing.tpotNanoseconds(outputTokens: o.usage.output).map { Format.fixed(Double($0) / 1e6, 3) } ?? "",
                String(o.usage.input), String(o.usage.output), o.usage.estimated ? "1" : "0",
                o.costUSD.map { Format.fixed($0, 8) } ?? "", r.finishReason ?? "", r.prompt, r.output,
                r.errorMessage ?? "",
            ]
            out += fields.map(Self.csvField).joined(separator: ",") + "\n"
        }
        return out
    }

    /// One CSV field (RFC 4180 quoting), neutralised against formula injection as OWASP recommends: a field
    /// starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, so a spreadsheet shows it as text instead
    /// of running it. Control characters become visible pictures (`TerminalText`).
    static func csvField(_ raw: String) -> String {
        var s = raw
        if let first = s.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) { s = "'" + s }
        s = TerminalText.sanitized(s)
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
