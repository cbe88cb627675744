import ABCore

/// One block of a report. The outline is written once (`SessionReport.outline`) and rendered per format, so the
/// Markdown and HTML reports cannot drift apart: a section is in every format or in none.
enum ReportBlock {
    case heading(level: Int, text: String)
    /// The line under the title: session, mode, start, requests, version.
    case meta(String)
    /// A labelled line that stands out ("Bottom line:", "Note:").
    case callout(label: String, text: String)
    case paragraph(String)
    /// A table in each format's own syntax, rendered only when asked for.
    case table(markdown: () -> String, html: () -> String)
    case bullets([String])
    /// A titled drawing (inline SVG): HTML only, since Markdown has no drawing. The same figures are in the
    /// tables.
    case chart(title: String, svg: () -> String)
    /// Each prompt with its answers side by side.
    case samples([(prompt: String, answers: [(name: String, text: String)])])
}

extension SessionReport {
    /// What a report says, in order, whatever its format.
    var outline: [ReportBlock] {
        let s = summary
        var out: [ReportBlock] = [
            .heading(level: 1, text: "abtop report: \(s.endpoint)"),
            .meta(
                "Session \(id) · \(s.mode) · started \(startedAt) · \(Format.count(s.requests)) requests in "
                    + "\(Format.fixed(s.duration, 1)) s · abtop \(version)"),
            .callout(label: "Bottom line:", text: s.bottomLine),
        ]
        if let note = leftOutNote { out.append(.callout(label: "Note:", text: note)) }
        let entities = s.snapshot.entities
        out += [
            .heading(level: 2, text: "Summary"),
            .table(
                markdown: { ReportTables.entities(for: s.task).markdown(entities) },
                html: {
                    ReportTables.entities(for: s.task).html(entities, escape: esc) { i, cell in
                        "<span class=\"dot\" style=\"background:\(Self.palette[i % 8])\"></span>" + cell
                    }
                }),
        ]
        if ReportTables.armsDiffer(entities) {
            out += [.heading(level: 3, text: "Arms"), table(ReportTables.arms, entities)]
        }
        if ReportTables.anyChecks(entities) {
            out += [.heading(level: 3, text: "Expected answers"), table(ReportTables.checks, entities)]
        }
        // Quality beside speed, errors and cost, one row per arm, whenever there is a quality signal.
        let card = Scorecard(
            snapshot: s.snapshot, votes: votes, judgements: s.judgements,
            feedback: feedback.isEmpty ? nil : feedbackTally)
        if card.hasChecks || card.hasVotes || card.hasJudge || !card.feedbackMetrics.isEmpty {
            out += [
                .heading(level: 3, text: "Scorecard"), table(ReportTables.scorecard(card), card.cells),
                .paragraph(Scorecard.legend),
            ]
        }
        let kinds = Set(entities.flatMap { $0.errors.keys }).sorted()
        if !kinds.isEmpty {
            out += [.heading(level: 3, text: "Errors by kind"), table(ReportTables.errorKinds(kinds), entities)]
        }
        out += [
            .heading(level: 2, text: "Is the difference real?"), .paragraph(s.familyLine),
            table(ReportTables.verdicts, Self.byState(s.verdicts)),
            .chart(title: "Latency (E2E), cumulative") { latencyCDF() },
            .chart(title: "Share of requests over time") { overTime(metric: .share) },
            .chart(title: "Error rate over time") { overTime(metric: .errors) },
            .heading(level: 2, text: "Split history and sample-ratio mismatch"), table(ReportTables.epochs, epochRows),
        ]
        if !votes.isEmpty { out += [.heading(level: 2, text: "Votes"), table(ReportTables.votes, voteRows)] }
        if !headToHeadRows.isEmpty {
            out += [.heading(level: 3, text: "Head to head"), table(ReportTables.headToHead, headToHeadRows)]
        }
        if !feedback.isEmpty {
            let tally = feedbackTally
            let rows = tally.metrics.flatMap { m in
                m.arms.enumerated().map {
                    (metric: m.name, boolean: m.isBoolean, entity: names[$0.offset], arm: $0.element)
                }
            }
            out += [
                .heading(level: 2, text: "Feedback"),
                .paragraph(
                    "What clients sent to POST /feedback, per metric and entity; compared with the first entity as a "
                        + "family of its own (α \(Format.percent(summary.alpha, digits: 0)) over every metric and entity)."
                ),
                table(ReportTables.feedback, rows),
                .bullets(FeedbackAnalysis.compare(tally, names: names, alpha: summary.alpha).map(\.text)),
            ]
        }
        if !s.judgements.isEmpty {
            let judge = JudgeSummary(s.judgements)
            var lines = [judge.overview(model: s.judgeModel)]
            lines += judge.standings(names: names, alpha: s.alpha).map { ($0.winner == nil ? "○ " : "● ") + $0.text }
            lines.append(judge.costLine)
            if let agreement = JudgeAgreement.of(s.judgements, votes: votes) { lines.append(agreement.text) }
            lines += judge.formatSamples.map { "out of format, the judge wrote: “\($0)”" }
            out += [
                .heading(level: 2, text: "Judge"),
                .paragraph(
                    "An LLM judged pairs of answers to the same prompt, each pair twice with the answers swapped; a "
                        + "verdict that flipped with the order counts as a tie. Each pair of entities is decided when "
                        + "its always-valid interval clears ½, at α \(Format.percent(s.alpha, digits: 0)) over the "
                        + "pairs. The judge's calls are not in the arms' figures."),
                .bullets(lines),
            ]
        }
        if !votedPrompts.isEmpty {
            out += [
                .heading(level: 3, text: "The last votes, with their prompts"),
                .bullets(votedPrompts.map { "\($0.line) · “\($0.prompt)”" }),
            ]
        }
        let samples = sampleGroups(limit: 3)
        if !samples.isEmpty {
            out += [
                .heading(level: 2, text: "Side-by-side samples"),
                .samples(samples.map { (prompt: $0.0, answers: $0.1.map { (name: $0.0, text: $0.1) }) }),
            ]
        }
        return out
    }

    private func table<Row>(_ t: ReportTable<Row>, _ rows: [Row]) -> ReportBlock {
        .table(markdown: { t.markdown(rows) }, html: { t.html(rows, escape: esc) })
    }

    /// Markdown: tables that paste well into a pull request.
    public func markdown() -> String {
        var out = ""
        for block in outline {
            switch block {
            case .heading(let level, let text):
                out +=
                    (out.isEmpty || out.hasSuffix("\n\n") ? "" : "\n") + String(repeating: "#", count: level)
                    + " \(text)\n\n"
            case .meta(let text): out += "\(text)\n\n"
            case .callout(let label, let text):
                out += label == "Note:" ? "> **\(label)** \(text)\n\n" : "**\(label)** \(Self.mdText(text))\n\n"
            case .paragraph(let text): out += "\(text)\n\n"
            case .table(let markdown, _): out += markdown()
            case .bullets(let lines): out += lines.map { "- \(Self.mdText($0))\n" }.joined()
            case .chart: break
            case .samples(let groups):
                for (prompt, answers) in groups {
                    out += "**Prompt:** \(prompt)\n\n"
                    for (name, text) in answers {
                        out += "- **\(name):** \(text.replacingOccurrences(of: "\n", with: " "))\n"
                    }
                    out += "\n"
                }
            }
        }
        // Model output and names may hold escape sequences; the document is read in terminals (`report` to stdout).
        return TerminalText.sanitized(out)
    }

    /// The HTML body: the same outline, with the charts.
    func htmlBody() -> String {
        var body = ""
        for block in outline {
            switch block {
            case .heading(let level, let text): body += "<h\(level)>\(esc(text))</h\(level)>\n"
            case .meta(let text): body += "<p class=\"meta\">\(esc(text))</p>\n"
            case .callout(let label, let text):
                let kind = label == "Note:" ? "meta" : "bottom"
                body += "<p class=\"\(kind)\"><strong>\(esc(label))</strong> \(esc(text))</p>\n"
            case .paragraph(let text): body += "<p>\(esc(text))</p>\n"
            case .table(_, let html): body += html()
            case .bullets(let lines): body += "<ul>\n" + lines.map { "<li>\(esc($0))</li>\n" }.joined() + "</ul>\n"
            case .chart(let title, let svg): body += "<h2>\(esc(title))</h2>\n" + svg()
            case .samples(let groups):
                for (prompt, answers) in groups {
                    body += "<div class=\"sample\"><p class=\"prompt\">\(esc(prompt))</p><div class=\"cols\">"
                    for (name, text) in answers {
                        body +=
                            "<div><h3>\(esc(name))</h3><p>"
                            + "\(esc(text).replacingOccurrences(of: "\n", with: "<br>"))</p></div>"
                    }
                    body += "</div></div>\n"
                }
            }
        }
        return body
    }
}
