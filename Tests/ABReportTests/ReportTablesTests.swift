import ABCore
import Testing

@testable import ABReport

/// The per-entity table is declared once (`ReportTables.entities`): the summary, Markdown and HTML show the same cells.
@Suite struct ReportTablesTests {
    /// Two entities: one with an error and estimated tokens; two blind votes.
    func summary() throws -> RunSummary {
        let infos = [
            EntityInfo(name: "quick<gpt>", model: "gpt-4o-mini", provider: "openai"),
            EntityInfo(name: "careful", model: "claude-3-5-sonnet", provider: "anthropic"),
        ]
        var stats = StatsAggregator(
            entities: infos, epoch: SplitEpoch(index: 0, weights: try #require(Weights([60, 40])), startedAt: 0))
        for i in 0..<20 {
            let entity = i % 2
            let outcome = RequestOutcome(
                entity: entity, epoch: 0,
                timing: RequestTiming(
                    start: 0, firstByte: 100_000_000, firstToken: 150_000_000,
                    end: UInt64(200_000_000 + entity * 900_000_000 + i * 1_000_000)),
                streamed: true, status: i == 3 ? 500 : 200, error: i == 3 ? .http5xx : nil,
                usage: TokenUsage(input: 10, output: 40, estimated: entity == 1), costUSD: 0.001)
            stats.record(outcome, at: 1)
        }
        let votes = [Vote(a: 0, b: 1, choice: .aBetter), Vote(a: 1, b: 0, choice: .tie)]
        return RunSummary(
            endpoint: "tables", mode: "compare", duration: 10, seed: 1, snapshot: stats.snapshot(at: 10),
            verdicts: stats.verdicts(), srm: stats.srm(), votes: votes)
    }

    @Test func everyFormatShowsEveryCellOfTheOneTable() throws {
        let s = try summary()
        let report = SessionReport(
            id: 1, summary: s, startedAt: "2026-11-30T00:00:00Z", version: "test", epochs: [s.snapshot.epoch],
            records: [], votes: s.votes, configJSON: "{}")
        let text = s.text()
        let markdown = report.markdown()
        let html = report.html()
        for column in ReportTables.entities.columns {
            #expect(text.contains(column.title.uppercased()), "\(column.title) in the summary")
            #expect(markdown.contains("| \(column.title) |"), "\(column.title) in Markdown")
            #expect(html.contains("<th>\(report.esc(column.title))</th>"), "\(column.title) in HTML")
            for e in s.snapshot.entities {
                let cell = column.value(e)
                #expect(
                    text.contains(cell) && markdown.contains(cell) && html.contains(report.esc(cell)),
                    "\(column.title) of \(e.info.name): \(cell)")
            }
        }
        #expect(
            text.contains("(est.)") && markdown.contains("(est.)") && html.contains("(est.)"), "one mark for estimates")
        #expect(!text.contains("~"))
    }

    /// Issue 24, item 10: the summary fits a 120-column terminal (wide tables go on below, each led by the
    /// entity), and its family line says how many of the family's comparisons it shows.
    @Test func theSummaryFits120ColumnsAndCountsWhatItShows() throws {
        let base = try summary()
        var s = RunSummary(
            endpoint: base.endpoint, mode: "split", duration: base.duration, seed: 1, snapshot: base.snapshot,
            verdicts: base.verdicts, srm: base.srm)
        s.familySize = 8
        let text = s.text()
        for line in text.split(separator: "\n") { #expect(line.count <= 120, "too wide: \(line)") }
        let shown = s.verdicts.filter { !$0.metric.isPaired }.count
        #expect(text.contains("(\(shown) of the family's 8 comparisons shown"), "\(text)")
        #expect(text.components(separatedBy: "careful").count >= 3, "the entity leads each part of the table")
    }

    /// Issue 24: a bottom line a team reads in ten seconds, first in every format, with model names kept as text.
    @Test func everyFormatOpensWithTheBottomLine() throws {
        let s = try summary()
        let report = SessionReport(
            id: 1, summary: s, startedAt: "2026-11-30T00:00:00Z", version: "test", epochs: [s.snapshot.epoch],
            records: [], votes: s.votes, configJSON: "{}")
        #expect(
            s.bottomLine.contains("votes: quick<gpt> wins 75 % of 2") || s.bottomLine.contains("votes: quick<gpt> wins")
        )
        #expect(s.bottomLine.contains("latency") && s.bottomLine.contains("errors"), "\(s.bottomLine)")
        #expect(s.text().split(separator: "\n")[1].hasPrefix("Bottom line: "))
        let md = report.markdown()
        #expect(md.contains("**Bottom line:**") && md.contains("quick\\<gpt\\>"), "markup in a name is escaped")
        #expect(md.range(of: "**Bottom line:**")!.lowerBound < md.range(of: "## Summary")!.lowerBound)
        #expect(report.html().contains("Bottom line:</strong> ") && report.html().contains("quick&lt;gpt&gt;"))
    }

    /// Issue 25: one outline for every format. Markdown's section headings are HTML's, in the same order, with
    /// only the charts' titles added in HTML; "Errors by kind" is in both.
    @Test func markdownAndHTMLShareOneOutline() throws {
        let s = try summary()
        let report = SessionReport(
            id: 1, summary: s, startedAt: "2026-11-30T00:00:00Z", version: "test", epochs: [s.snapshot.epoch],
            records: [], votes: s.votes, configJSON: "{}")
        let md = report.markdown().split(separator: "\n").filter { $0.hasPrefix("#") }.map {
            String($0.drop { $0 == "#" }.dropFirst())
        }
        let html = report.html()
        var headings: [String] = []
        var rest = html[...]
        while let open = rest.range(of: #"<h[12345]>"#, options: .regularExpression),
            let close = rest[open.upperBound...].range(of: "</h")
        {
            headings.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        let charts: Set = ["Latency (E2E), cumulative", "Share of requests over time", "Error rate over time"]
        #expect(
            headings.filter { !charts.contains($0) }.map { $0.replacingOccurrences(of: "&lt;", with: "<") }
                == md.map { $0.replacingOccurrences(of: "\\<", with: "<").replacingOccurrences(of: "\\>", with: ">") },
            "\(headings) vs \(md)")
        #expect(md.contains("Votes") && md.contains("Is the difference real?"))
        let kinds = s.snapshot.entities.contains { !$0.errors.isEmpty }
        #expect(!kinds || (md.contains("Errors by kind") && headings.contains("Errors by kind")))
    }

    /// Issue 24: a decided cost verdict speaks in the bottom line (not the measured ratio), in either mode.
    @Test func theBottomLineQuotesADecidedCostVerdict() throws {
        let base = try summary()
        let names = base.snapshot.entities.map(\.info.name)
        let cost = Verdict(
            metric: .cost, a: names[0], b: names[1], state: .decided, pValue: 0.001, low: -4.8, high: -4.5,
            estimateA: 5, estimateB: 0.25, ratio: 0.05, nA: 200, nB: 200, primary: false, text: "…")
        for mode in ["split", "compare"] {
            let s = RunSummary(
                endpoint: base.endpoint, mode: mode, duration: base.duration, seed: 1, snapshot: base.snapshot,
                verdicts: base.verdicts + [cost], srm: base.srm)
            #expect(
                s.bottomLine.contains("\(names[1]) is 20× cheaper per request than \(names[0]) (decided)"),
                "\(mode): \(s.bottomLine)")
        }
        #expect(!base.bottomLine.contains("cheaper per request than \(names[0]) (decided)"))
    }

    /// Issue 24: charts with round ticks, whole names on hover, compare-mode periods marked.
    @Test func chartsHaveRoundTicksAndMarkCompareMode() throws {
        #expect(SessionReport.niceStep(8103) == 2500 && SessionReport.niceStep(40) == 10)
        #expect(SessionReport.niceStep(0.07) == 0.02 && SessionReport.niceStep(1) == 0.25)
        let s = try summary()
        var records: [RequestRecord] = []
        for i in 0..<40 {
            let outcome = RequestOutcome(
                entity: i % 2, epoch: 0, timing: RequestTiming(start: 0, end: UInt64(i) * 500_000_000 + 1),
                streamed: false)
            records.append(
                RequestRecord(outcome: outcome, promptID: "p", prompt: "q", output: "a", group: i >= 20 ? i / 2 : nil))
        }
        let html = SessionReport(
            id: 1, summary: s, startedAt: "t", version: "test", epochs: [s.snapshot.epoch], records: records,
            votes: [], configJSON: "{}"
        ).html()
        #expect(html.contains("<title>compare mode</title>") && html.contains(">compare mode</text>"))
        #expect(!html.contains(">2026<") && html.contains("<title>quick&lt;gpt&gt;</title>"))
    }

    /// A vote that names its prompt's group is listed with the prompt in the Markdown report.
    @Test func votesAreListedWithTheirPrompts() throws {
        let s = try summary()
        let outcome = RequestOutcome(entity: 0, epoch: 0, timing: RequestTiming(start: 0, end: 1), streamed: false)
        let records = [RequestRecord(outcome: outcome, promptID: "p", prompt: "Which index * helps?", group: 7)]
        let report = SessionReport(
            id: 1, summary: s, startedAt: "t", version: "test", epochs: [s.snapshot.epoch], records: records,
            votes: [Vote(a: 1, b: 0, choice: .aBetter, group: 7), Vote(a: 0, b: 1, choice: .tie)], configJSON: "{}")
        let md = report.markdown()
        #expect(md.contains("- careful preferred to quick\\<gpt\\> · “Which index \\* helps?”"), "\(md)")
        #expect(report.votedPrompts.count == 1, "a vote without its group is not listed")
    }

    @Test func theSummaryCarriesTheVotes() throws {
        let s = try summary()
        #expect(s.text().contains("Blind votes (2):"))
        #expect(s.text().contains("quick<gpt>: 1 won, 1 tied, 0 lost"))
        let rates = s.json()[key: "win_rates"]?.arrayValue ?? []
        #expect(rates.count == 2 && rates.first?[key: "wins"]?.intValue == 1)
    }

    @Test func csvFieldsCannotRunFormulas() {
        for hostile in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            let field = SessionReport.csvField(hostile)
            let unquoted = field.hasPrefix("\"") ? String(field.dropFirst()) : field
            #expect(unquoted.hasPrefix("'"), "\(hostile) → \(field)")
        }
        #expect(SessionReport.csvField("plain text") == "plain text")
        #expect(SessionReport.csvField("a,b") == "\"a,b\"")
    }

}

/// Reports of an embeddings endpoint leave out the streaming columns.
@Suite struct TaskReportTests {
    @Test func embeddingsTablesHaveNoTTFTTPOTOrDecodeSpeed() {
        let titles = ReportTables.entities(for: .embeddings).columns.map(\.title)
        #expect(!titles.contains("TTFT p50") && !titles.contains("TPOT p50") && !titles.contains("tok/s"))
        #expect(titles.contains("p50") && titles.contains("tokens in / out"))
        #expect(ReportTables.entities(for: .chat).columns.count == ReportTables.entities.columns.count)
    }
}

/// Issue 24: standings for three or more entities, pair by pair, with always-valid intervals.
@Suite struct HeadToHeadTests {
    @Test func whoBeatsWhomIsDecidedPairByPair() {
        // C beats A every time; A and B split evenly.
        var votes: [Vote] = []
        for i in 0..<60 {
            votes.append(Vote(a: 2, b: 0, choice: .aBetter, group: i))
            votes.append(Vote(a: 0, b: 1, choice: i % 2 == 0 ? .aBetter : .bBetter, group: i))
        }
        let pairs = HeadToHead.of(votes, entityCount: 3)
        #expect(pairs.count == 2, "B and C never met")
        let ac = pairs.first { Set([$0.a, $0.b]) == [0, 2] }
        #expect(ac?.winner == 2 && ac?.votes == 60)
        let ab = pairs.first { Set([$0.a, $0.b]) == [0, 1] }
        #expect(ab?.winner == nil, "an even split is not decided")
        #expect(
            HeadToHead.of(Array(votes.prefix(4)), entityCount: 3).allSatisfy { $0.winner == nil },
            "two votes decide nothing")
    }
}
