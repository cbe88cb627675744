import ABCore
import ABEngine
import ABProviders
import ABReport
import ABStore
import ABTUI
import ArgumentParser
import Foundation
import Synchronization

/// Loading what a run needs, with every problem reported before anything is sent.
enum RunSetup {
    struct Prepared {
        let config: EndpointConfig
        let configText: String
        let resolved: [ResolvedEntity]
        var prompts: [PromptItem]
    }

    static func prepare(
        config path: String, name: String?, secretsPath: String?,
        promptsPath: String?, repeat times: Int = 1
    ) throws -> Prepared {
        let loaded: EndpointLoader.Loaded
        do {
            loaded = try EndpointLoader().load(path: path, name: name, secretsPath: secretsPath)
        } catch let error as EndpointLoader.InputError {
            Console.err(error.description)
            throw ExitCode(1)
        }
        var issues = loaded.outcome.issues
        issues.append(contentsOf: EndpointConfig.credentialIssues(loaded.resolved, severity: .error))
        guard let config = loaded.outcome.config, !issues.hasErrors else {
            for issue in issues.errors { Console.err(issue.description) }
            Console.err(
                "\n\(path): \(issues.errors.count) error\(issues.errors.count == 1 ? "" : "s"); nothing was sent")
            throw ExitCode(1)
        }
        var prompts = SamplePrompts.items
        if promptsPath == nil {
            // They go to the providers the config names, real ones included: say so before anything is sent.
            Console.err(
                "abtop: no --prompts: sending abtop's \(prompts.count) built-in sample prompts "
                    + "(give --prompts FILE.jsonl to send your own)")
        }
        if let promptsPath {
            do {
                prompts = try PromptFile.load(promptsPath)
            } catch {
                Console.err(error.description)
                throw ExitCode(1)
            }
        }
        // Each prompt N times: the same id, so the answers to it can be compared (`Consistency`).
        if times > 1 { prompts = prompts.flatMap { Array(repeating: $0, count: times) } }
        return Prepared(config: config, configText: loaded.text, resolved: loaded.resolved, prompts: prompts)
    }

    /// After the summary: if the journal lost rows, says so on stderr (with how many it kept) and exits 1, so a
    /// script never takes a run whose journal is short for a complete one.
    static func failIfJournalLost(_ status: JournalWriter.Status?, path: String) throws {
        guard let status, let line = JournalRecording.lossReport(status, path: path) else { return }
        Console.err(line)
        throw ExitCode(1)
    }

    static func progressLine(_ s: Snapshot) -> String {
        "[\(Format.fixed(s.time, 1)) s] " + progressCounts(s)
    }

    /// " · waiting for: p50 latency (≈ 120 more requests), error rate": the comparisons still open, each with the
    /// rough projection its sentence gives, if any.
    static func pendingClause(_ pending: [Verdict]) -> String {
        guard !pending.isEmpty else { return "" }
        let names = pending.map { v -> String in
            let label = v.metric.label
            guard let r = v.text.range(of: #"≈ [0-9,]+ more [a-z]+"#, options: .regularExpression) else {
                return label
            }
            return "\(label) (\(v.text[r]))"
        }
        var seen: Set<String> = []
        return " · waiting for: " + names.filter { seen.insert($0).inserted }.joined(separator: ", ")
    }

    /// "N requests (R/s), E errors, F in flight".
    static func progressCounts(_ s: Snapshot) -> String {
        let errors = s.entities.reduce(0) { $0 + $1.errorCount }
        let notSent = s.entities.reduce(0) { $0 + $1.notSent }
        return
            "\(s.totalRequests) requests (\(Format.fixed(s.requestsPerSecond, 1))/s), "
            + "\(errors) errors, \(s.inFlight) in flight"
            + (notSent > 0 ? ", \(notSent) not sent (breaker open)" : "")
    }
}
