import ABCore
import ABEngine
import ABStore
import ArgumentParser
import Foundation

/// `run --replay ID`: the prompts a journaled session sent, in the order it sent them, with their offsets from
/// its start (for `--replay-pace`). A compare-mode prompt went to every entity at once: it is one send.
///
/// The journal keeps each prompt's id and its last user message; with `--prompts F` the file's line of the same
/// id is sent instead, so its system prompt, tools and checks come along.
enum Replay {
    struct Plan {
        var prompts: [PromptItem]
        /// Seconds from the first send, one per prompt.
        var offsets: [Double]
    }

    /// `journal`: the store's journal (a PostgreSQL journal's copy of the session), `label` where it is.
    static func load(journal: Journal, label: String, session id: Int64, file: [PromptItem]?) throws -> Plan {
        guard let stored = try journal.session(id) else {
            throw ValidationError("--replay \(id): no such session in \(label) (see abtop sessions)")
        }
        let byID = Dictionary((file ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var seenGroups: Set<Int> = []
        var plan = Plan(prompts: [], offsets: [])
        let sends = stored.records
            .filter { !$0.outcome.isFallback }
            .sorted { $0.outcome.timing.start < $1.outcome.timing.start }
        guard let first = sends.first?.outcome.timing.start else {
            throw ValidationError("--replay \(id): the session sent no prompt")
        }
        var missing = 0
        for r in sends {
            if let g = r.group {
                guard seenGroups.insert(g).inserted else { continue }
            }
            let item: PromptItem
            if let line = byID[r.promptID] {
                item = line
            } else {
                if file != nil { missing += 1 }
                item = PromptItem(id: r.promptID, prompt: r.prompt)
            }
            plan.prompts.append(item)
            plan.offsets.append(Double(r.outcome.timing.start &- first) / 1e9)
        }
        if missing > 0 {
            Console.err(
                "abtop: --replay: \(missing) prompts are not in the --prompts file; sent as the journal kept them")
        }
        return plan
    }
}
