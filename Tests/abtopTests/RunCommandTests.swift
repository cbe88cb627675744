import ABCore
import Foundation
import Testing

@testable import abtop

/// `abtop run --headless` end to end: the real binary against `abtop mock-server` in another process.
@Suite struct RunCommandTests {
    /// Starts `abtop mock-server --port 0 --profile PROFILE` and returns the process and its port. The wait for
    /// its port happens on a thread of its own, like `AbtopBinary.run`'s: a debug child can take seconds to start on
    /// a busy machine, and a cooperative-pool thread blocked that long stalls every other test's tasks.
    static func mockServer(profile: String = "fast") async throws -> (ChildProcess, Int) {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try mockServerBlocking(profile: profile) }) }.start()
        }
    }

    private static func mockServerBlocking(profile: String) throws -> (ChildProcess, Int) {
        let process = try ChildProcess(
            AbtopBinary.url.path,
            ["mock-server", "--port", "0", "--profile", profile, "--seed", "3", "--exit-with-parent"],
            environment: ["PATH": "/usr/bin:/bin"], stderr: .discard)
        var text = ""
        while !text.contains("\n") {
            let data = process.stdout!.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
            let port = Int(text[range].split(separator: ":").last!)
        else {
            process.terminate()
            throw CocoaError(.fileReadUnknown)
        }
        return (process, port)
    }

    /// `abtop` settings beyond the base URLs (e.g. `"retries": {"max": 0}`), as JSON members.
    static func endpoint(port: Int, fallback: Bool = false, abtop extra: String = "") throws -> String {
        try AbtopBinary.temporaryFile(
            """
            {"name": "cli-test", "config": {"served_entities": [
              {"name": "oa", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key": "{{secrets/test/openai}}"}}},
              {"name": "an", "external_model": {"name": "claude-3-5-haiku", "provider": "anthropic", "task": "llm/v1/chat",
                "anthropic_config": {"anthropic_api_key": "{{secrets/test/anthropic}}"}}}],
              "traffic_config": {"routes": [{"served_model_name": "oa", "traffic_percentage": 70},
                                            {"served_model_name": "an", "traffic_percentage": 30}]}},
             "ai_gateway": {"fallback_config": {"enabled": \(fallback)}},
             "abtop": {\(extra.isEmpty ? "" : extra + ", ")"entities": {"oa": {"base_url": "http://127.0.0.1:\(port)/v1"}, "an": {"base_url": "http://127.0.0.1:\(port)"}}}}
            """)
    }

    static let keys = [
        "ABTOP_SECRET_TEST_OPENAI": "sk-cli-openai-SECRET", "ABTOP_SECRET_TEST_ANTHROPIC": "sk-cli-ant-SECRET",
    ]

    @Test func headlessJSONFollowsTheContract() async throws {
        let (server, port) = try await Self.mockServer()
        defer { server.terminate() }
        let r = try await AbtopBinary.run(
            [
                "run", try Self.endpoint(port: port), "--headless", "--json", "--requests", "200",
                "--concurrency", "16", "--seed", "9", "--quiet",
            ], environment: Self.keys)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONParser.parse(r.stdout)
        #expect(json[key: "endpoint"]?.stringValue == "cli-test" && json[key: "mode"]?.stringValue == "split")
        #expect(json[key: "requests"]?.intValue == 200)
        let entities = try #require(json[key: "entities"]?.arrayValue)
        #expect(entities.map { $0[key: "name"]?.stringValue } == ["oa", "an"])
        #expect(entities.map { $0[key: "target_percentage"]?.intValue } == [70, 30])
        for e in entities {
            for field in [
                "provider", "model", "observed_share", "requests", "successes", "errors", "retries", "fallbacks",
                "latency_ms", "ttft_ms", "tpot_ms", "tokens", "cost_usd", "assigned", "cancelled",
            ] {
                #expect(e[key: field] != nil, "missing \(field)")
            }
            #expect(e[key: "latency_ms"]?[key: "p99"] != nil && e[key: "tokens"]?[key: "estimated"] == .bool(false))
        }
        let verdicts = try #require(json[key: "verdicts"]?.arrayValue)
        #expect(
            verdicts.map { $0[key: "metric"]?.stringValue } == [
                "error_rate", "latency_e2e_p50", "latency_e2e_p95", "ttft_p50", "ttft_p95", "cost_per_1k_requests",
            ])
        for v in verdicts { Self.expectVerdictContract(v) }
        #expect(json[key: "family"]?[key: "size"]?.intValue == 6 && json[key: "stop"] == .null)
        let srm = try #require(json[key: "srm"]?.arrayValue?.first)
        #expect(srm[key: "weights"]?[key: "oa"]?.intValue == 70 && srm[key: "flagged"] == .bool(false))
        #expect(!(r.stdout + r.stderr).contains("SECRET"))
        // Issue 24, item 5: every field README's contract names is written, so the two cannot drift apart.
        let (promised, winRateFields) = try Self.readmeContractFields()
        #expect(promised.count > 40 && winRateFields.contains("wins"), "the README's field list was not found")
        var keys: Set<String> = []
        var strings: Set<String> = []
        func collect(_ v: JSONValue) {
            switch v {
            case .object(let o):
                for m in o.members {
                    keys.insert(m.key)
                    collect(m.value)
                }
            case .array(let a): a.forEach(collect)
            case .string(let s): strings.insert(s)
            default: break
            }
        }
        collect(json)
        // Values the README lists for `stop`, which a run without --until-decided leaves null.
        let stopValues: Set<String> = ["decided", "max_requests", "max_duration", "interrupted"]
        let votes = json[key: "win_rates"]?.arrayValue?.isEmpty == false
        for field in promised + (votes ? winRateFields : [])
        where !keys.contains(field) && !strings.contains(field) && !stopValues.contains(field) {
            Issue.record("README promises `\(field)` in --json; the output has no such field")
        }
    }

    /// The names README's "JSON contracts" lists for `--json` and for a verdict (backquoted, in order). The fields
    /// of `win_rates[]` items come apart: a run without votes writes that array empty.
    static func readmeContractFields() throws -> (always: [String], winRates: [String]) {
        let readme = try String(
            contentsOf: AbtopBinary.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        func names(from: String, to: String) -> [String] {
            guard let start = readme.range(of: from), let end = readme[start.upperBound...].range(of: to) else {
                return []
            }
            var fields: [String] = []
            var rest = readme[start.upperBound..<end.lowerBound]
            while let open = rest.firstIndex(of: "`") {
                let after = rest.index(after: open)
                guard let close = rest[after...].firstIndex(of: "`") else { break }
                var name = String(rest[after..<close])
                if name.hasSuffix("[]") { name.removeLast(2) }
                if !name.isEmpty, name.allSatisfy({ $0.isLowercase || $0 == "_" || $0.isNumber }) {
                    fields.append(name)
                }
                rest = rest[rest.index(after: close)...]
            }
            return fields
        }
        let summary = names(from: "`--json` (the summary", to: "The JSON report")
        let verdict = names(from: "A verdict:", to: "`--progress jsonl`")
        // Words that are values or mentions, not fields: metric names, states, units, the prompt file's `expect`.
        let values: Set<String> = [
            "error_rate", "latency_e2e_p50", "latency_e2e_p95", "ttft_p50", "ttft_p95", "error_rate_paired",
            "latency_e2e_paired", "ttft_paired", "cost_per_1k_requests", "check_pass_rate", "decided", "not_yet",
            "equivalent", "ms", "rate", "ratio", "usd_per_1k_requests", "expect",
        ]
        let winRates = summary.firstIndex(of: "win_rates").map { Array(summary[($0 + 1)...]) } ?? []
        let always = summary.prefix { $0 != "win_rates" } + ["win_rates"] + verdict
        return (always.filter { !values.contains($0) }, winRates)
    }

    /// The verdict fields README's "JSON contracts" promises, in `--json` and in every progress line.
    static func expectVerdictContract(_ v: JSONValue) {
        for field in [
            "metric", "a", "b", "state", "p_value", "low", "high", "unit", "ratio", "ratio_low", "ratio_high",
            "estimate_a", "estimate_b", "n_a", "n_b", "primary", "significant", "drift", "text",
        ] {
            #expect(v[key: field] != nil, "verdict without \(field)")
        }
        #expect(["decided", "not_yet", "equivalent"].contains(v[key: "state"]?.stringValue ?? ""))
    }

    /// `--until-decided` stops at a decision or at the budget and says which; `--progress jsonl` writes one
    /// object a second, and one at the end, with the counts and verdicts.
    @Test func untilDecidedStopsAndSaysWhyWithJSONLinesProgress() async throws {
        let (server, port) = try await Self.mockServer()
        defer { server.terminate() }
        let progress = try AbtopBinary.temporaryFile("", name: "progress.jsonl")
        let r = try await AbtopBinary.run(
            [
                "run", try Self.endpoint(port: port), "--headless", "--json", "--until-decided",
                "--max-requests", "400", "--concurrency", "8", "--seed", "3", "--progress", "jsonl",
                "--progress-file", progress,
            ], environment: Self.keys)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONParser.parse(r.stdout)
        let stop = json[key: "stop"]?.stringValue
        #expect(stop == "decided" || stop == "max_requests", "\(String(describing: stop))")
        if stop == "max_requests" { #expect(json[key: "requests"]?.intValue ?? 0 >= 390) }
        let lines = try String(contentsOfFile: progress, encoding: .utf8).split(separator: "\n")
        #expect(!lines.isEmpty, "a progress line a second")
        for line in lines {
            let p = try JSONParser.parse(String(line))
            #expect(p[key: "elapsed_s"] != nil && p[key: "decided"] != nil)
            let entities = p[key: "entities"]?.arrayValue ?? []
            #expect(entities.count == 2)
            for e in entities {
                for field in ["name", "assigned", "finished", "errors", "cancelled", "observed_share"] {
                    #expect(e[key: field] != nil, "progress entity without \(field)")
                }
            }
            for v in p[key: "verdicts"]?.arrayValue ?? [] { Self.expectVerdictContract(v) }
            #expect(p[key: "srm"]?.arrayValue != nil)
        }
    }

    /// Issue 24, item 15: `--decide latency` stops once latency is decided, whatever the error rates do, and the
    /// text progress names the comparisons still open.
    @Test func decideLatencyStopsOnLatencyAloneAndProgressNamesWhatIsOpen() async throws {
        let (server, port) = try await Self.mockServer()
        defer { server.terminate() }
        let r = try await AbtopBinary.run(
            [
                "run", try Self.endpoint(port: port), "--headless", "--json", "--until-decided", "--decide", "latency",
                "--max-requests", "3000", "--concurrency", "8", "--seed", "3",
            ], environment: Self.keys)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONParser.parse(r.stdout)
        let verdicts = json[key: "verdicts"]?.arrayValue ?? []
        let latency = verdicts.first { $0[key: "metric"]?.stringValue == "latency_e2e_p50" }
        if json[key: "stop"]?.stringValue == "decided" {
            #expect(latency?[key: "state"]?.stringValue != "not_yet")
        } else {
            #expect(json[key: "stop"]?.stringValue == "max_requests")
        }
        let bad = try await AbtopBinary.run(
            ["run", try Self.endpoint(port: port), "--headless", "--until-decided", "--decide", "speed"],
            environment: Self.keys)
        #expect(bad.status != 0 && bad.stderr.contains("--decide takes errors, latency"))
        let progress = r.stderr.split(separator: "\n").filter { $0.hasPrefix("[") }
        // The first line names what is open (latency alone: error rates are not waited for).
        if progress.count > 1 { #expect(progress[0].contains("waiting for: p50 latency"), "\(progress)") }
        #expect(!progress.contains { $0.contains("error rate") }, "\(progress)")
    }

    /// Issue 24, "a cost verdict": two priced models (gpt-4o-mini and claude-3-5-haiku list prices, haiku about
    /// 6× dearer per token) over real HTTP; `--decide cost` stops on the cost verdict, which names the dearer one,
    /// quotes cost per 1,000 requests and says its guarantee is asymptotic.
    @Test func decideCostStopsOnTheCostVerdict() async throws {
        let (server, port) = try await Self.mockServer()
        defer { server.terminate() }
        let r = try await AbtopBinary.run(
            [
                "run", try Self.endpoint(port: port), "--headless", "--json", "--until-decided", "--decide", "cost",
                "--max-requests", "3000", "--concurrency", "8", "--seed", "3",
            ], environment: Self.keys)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONParser.parse(r.stdout)
        #expect(json[key: "stop"]?.stringValue == "decided", "\(r.stdout.suffix(2_000))")
        let cost = (json[key: "verdicts"]?.arrayValue ?? []).first {
            $0[key: "metric"]?.stringValue == "cost_per_1k_requests"
        }
        #expect(cost?[key: "state"]?.stringValue == "decided")
        #expect(cost?[key: "unit"]?.stringValue == "usd_per_1k_requests")
        func number(_ v: JSONValue?) -> Double {
            if case .number(let n)? = v { return n.value }
            return .nan
        }
        let (a, b) = (number(cost?[key: "estimate_a"]), number(cost?[key: "estimate_b"]))
        #expect(b > 2 * a && a > 0, "an (haiku) costs more per request than oa (4o-mini): \(a) vs \(b)")
        let text = cost?[key: "text"]?.stringValue ?? ""
        #expect(text.hasPrefix("an costs more than oa") && text.hasSuffix("(asymptotic)"), "\(text)")
        #expect(number(cost?[key: "low"]) > 0, "the interval of an − oa lies above 0")
        #expect(number(json[key: "family"]?[key: "size"]) == 6, "errors, p50, p95, TTFT p50, p95, cost")
    }

    /// Issue 24, item 16: without --prompts, the run says it sends abtop's sample prompts (to real providers too).
    @Test func aRunWithoutPromptsSaysItSendsTheSamples() async throws {
        let (server, port) = try await Self.mockServer()
        defer { server.terminate() }
        let r = try await AbtopBinary.run(
            ["run", try Self.endpoint(port: port), "--headless", "--requests", "2", "--quiet"], environment: Self.keys)
        #expect(r.status == 0 && r.stderr.contains("built-in sample prompts"), "\(r.stderr)")
    }

    /// Issue 24, items 6 and 7: `report -o x.html` writes HTML (the extension says the format); the themes are in
    /// the binary, whatever the directory.
    @Test func reportOutputFollowsTheExtensionAndThemesNeedNoFolder() async throws {
        let (server, port) = try await Self.mockServer()
        defer { server.terminate() }
        let db = AbtopBinary.scratch.appendingPathComponent("ext-\(UUID().uuidString).sqlite").path
        let run = try await AbtopBinary.run(
            ["run", try Self.endpoint(port: port), "--headless", "--quiet", "--requests", "10", "--store", db],
            environment: Self.keys)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("journal: session ") && run.stdout.contains("abtop report "), "the next step")
        let html = AbtopBinary.scratch.appendingPathComponent("ext-\(UUID().uuidString).html").path
        let r = try await AbtopBinary.run(["report", "--last", "--store", db, "-o", html])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(text.lowercased().hasPrefix("<!doctype html"), "\(text.prefix(80))")
        let names = ThemeCatalog.load(themesDir: nil, environment: ["HOME": "/nonexistent"]).themes.map(\.name)
        #expect(names.contains("nord") && names.count == 7)
    }

    @Test func textSummaryAndProgress() async throws {
        let (server, port) = try await Self.mockServer()
        defer { server.terminate() }
        let prompts = try AbtopBinary.temporaryFile("{\"prompt\": \"one\"}\n{\"prompt\": \"two\"}\n", name: "p.jsonl")
        let r = try await AbtopBinary.run(
            [
                "run", try Self.endpoint(port: port), "--headless", "--prompts", prompts,
                "--rate", "40", "--duration", "1.5", "--mode", "compare",
            ], environment: Self.keys)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("cli-test · compare · "))
        #expect(r.stdout.contains("ENTITY") && r.stdout.contains("oa ") && r.stdout.contains("an "))
        #expect(r.stdout.contains("Is the difference real?"))
        #expect(r.stderr.contains("requests ("), "progress lines on stderr: \(r.stderr)")
    }

    @Test func missingSecretsStopTheRunBeforeAnythingIsSent() async throws {
        let r = try await AbtopBinary.run(["run", try Self.endpoint(port: 1), "--headless"])
        #expect(r.status == 1)
        #expect(
            r.stderr.contains(
                "no key found for \"oa\"; tried --secrets FILE (none given), $ABTOP_SECRET_TEST_OPENAI, $OPENAI_API_KEY"
            ))
        #expect(r.stderr.contains("nothing was sent"))
    }

    @Test func badPromptFilesAndUsage() async throws {
        let bad = try AbtopBinary.temporaryFile("{\"prompt\": \"ok\"}\n{oops\n", name: "bad.jsonl")
        let r = try await AbtopBinary.run(
            ["run", try Self.endpoint(port: 1), "--headless", "--prompts", bad], environment: Self.keys)
        #expect(r.status == 1 && r.stderr.contains("bad.jsonl:2: not a JSON object"))
        #expect(try await AbtopBinary.run(["run", "x.json", "--rate", "1", "--concurrency", "2"]).status == 2)
        #expect(try await AbtopBinary.run(["run", "x.json", "--mode", "both"]).status == 2)
    }
}

/// The issue's A/B of prompts: the same simulated model behind two arms with two system prompts, in compare mode;
/// the report shows two columns of different answers and each arm's settings.
@Suite struct PromptABTests {
    @Test func twoSystemPromptsGiveTwoColumnsOfAnswersAndTheReportNamesEachArmsSettings() async throws {
        let (server, port) = try await RunCommandTests.mockServer()
        defer { server.terminate() }
        let config = try AbtopBinary.temporaryFile(
            """
            {"name": "prompt-ab", "config": {"served_entities": [
              {"name": "v1", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key": "{{secrets/test/openai}}"}}},
              {"name": "v2", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key": "{{secrets/test/openai}}"}}}],
              "traffic_config": {"routes": [{"served_model_name": "v1", "traffic_percentage": 50},
                                            {"served_model_name": "v2", "traffic_percentage": 50}]}},
             "abtop": {"entities": {
               "v1": {"base_url": "http://127.0.0.1:\(port)/v1", "system_prompt": "Answer in full sentences.",
                      "temperature": 0},
               "v2": {"base_url": "http://127.0.0.1:\(port)/v1", "system_prompt": "Answer in bullet points.",
                      "temperature": 0.7}}}}
            """, name: "prompt-ab.json")
        let report = try AbtopBinary.temporaryFile("", name: "prompt-ab.md")
        let r = try await AbtopBinary.run(
            [
                "run", config, "--headless", "--mode", "compare", "--requests", "6", "--concurrency", "2", "--seed",
                "5", "--quiet", "--report", report,
            ], environment: RunCommandTests.keys)
        #expect(r.status == 0, "\(r.stderr)")
        // The summary names each arm's settings.
        #expect(r.stdout.contains(#"temperature 0 · system "Answer in full sentences.""#), "\(r.stdout)")
        #expect(r.stdout.contains(#"temperature 0.7 · system "Answer in bullet points.""#))
        let md = try String(contentsOfFile: report, encoding: .utf8)
        #expect(md.contains("### Arms"))
        #expect(
            md.contains(#"| v1 | openai | gpt-4o-mini | temperature 0 · system "Answer in full sentences." |"#), "\(md)"
        )
        #expect(md.contains(#"| v2 | openai | gpt-4o-mini | temperature 0.7 · system "Answer in bullet points." |"#))
        // Side by side: every sampled prompt has an answer from each arm, and they differ.
        let samples = try #require(md.range(of: "## Side-by-side samples"), "\(md)")
        let blocks = md[samples.upperBound...].components(separatedBy: "**Prompt:**").dropFirst()
        #expect(blocks.count == 3)
        for block in blocks {
            let lines = block.split(separator: "\n")
            let v1 = lines.first { $0.hasPrefix("- **v1:** ") }.map { $0.dropFirst("- **v1:** ".count) }
            let v2 = lines.first { $0.hasPrefix("- **v2:** ") }.map { $0.dropFirst("- **v2:** ".count) }
            #expect(v1 != nil && v2 != nil && v1 != v2 && v1?.isEmpty == false, "\(block)")
        }
    }

    /// Expectations survive the journal: the report, built from it, has the Expected answers table the summary has.
    @Test func expectedAnswersReachTheReportThroughTheJournal() async throws {
        let (server, port) = try await RunCommandTests.mockServer()
        defer { server.terminate() }
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../examples/prompts-tools.jsonl"
        ).path
        let report = try AbtopBinary.temporaryFile("", name: "checks.md")
        let r = try await AbtopBinary.run(
            [
                "run", try RunCommandTests.endpoint(port: port), "--headless", "--mode", "compare", "--prompts",
                examples, "--requests", "8", "--concurrency", "1", "--seed", "5", "--quiet", "--report", report,
            ], environment: RunCommandTests.keys)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("CHECKED"), "\(r.stdout)")
        let md = try String(contentsOfFile: report, encoding: .utf8)
        let table = try #require(md.components(separatedBy: "### Expected answers").dropFirst().first, "\(md)")
        for name in ["oa", "an"] {
            #expect(table.contains("| \(name) | 8 |"), "\(table)")
        }
    }
}

/// Issue 26, item 3: a prompt file with `expect` puts the arms' check pass rates in the family, over real HTTP.
@Suite struct CheckVerdictOverHTTPTests {
    @Test func aPromptFileWithChecksAddsACheckPassRateVerdict() async throws {
        let (server, port) = try await RunCommandTests.mockServer()
        defer { server.terminate() }
        let r = try await AbtopBinary.run(
            [
                "run", try RunCommandTests.endpoint(port: port), "--headless", "--json", "--requests", "40",
                "--concurrency", "4", "--seed", "2", "--quiet", "--prompts", "examples/prompts-tools.jsonl",
            ], environment: RunCommandTests.keys)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONParser.parse(r.stdout)
        let check = (json[key: "verdicts"]?.arrayValue ?? []).first {
            $0[key: "metric"]?.stringValue == "check_pass_rate"
        }
        #expect(check?[key: "unit"]?.stringValue == "rate", "\(r.stdout.suffix(1_500))")
        RunCommandTests.expectVerdictContract(check ?? .null)
        #expect(json[key: "family"]?[key: "size"]?.intValue == 7, "errors, p50, p95, TTFT p50, p95, cost, checks")
    }
}

/// Issue 26, item 4: `--repeat N` sends each prompt N times and the summary says how alike the answers were.
@Suite struct RepeatCommandTests {
    @Test func repeatedPromptsReportTheirConsistency() async throws {
        let (server, port) = try await RunCommandTests.mockServer()
        defer { server.terminate() }
        let r = try await AbtopBinary.run(
            [
                "run", try RunCommandTests.endpoint(port: port), "--headless", "--json", "--repeat", "3",
                "--requests", "24", "--concurrency", "4", "--seed", "4", "--quiet", "--prompts",
                "examples/prompts-tools.jsonl",
            ], environment: RunCommandTests.keys)
        #expect(r.status == 0, "\(r.stderr)")
        let consistency = try JSONParser.parse(r.stdout)[key: "consistency"]?.arrayValue ?? []
        #expect(consistency.count == 2 && consistency.allSatisfy { ($0[key: "pairs"]?.intValue ?? 0) > 0 })
        #expect(consistency.allSatisfy { ($0[key: "identical"]?.intValue ?? -1) <= ($0[key: "pairs"]?.intValue ?? 0) })
        let bad = try await AbtopBinary.run(
            ["run", try RunCommandTests.endpoint(port: port), "--headless", "--repeat", "0"],
            environment: RunCommandTests.keys)
        #expect(bad.status != 0 && bad.stderr.contains("--repeat must be a whole number from 1 to 100"))
    }
}
