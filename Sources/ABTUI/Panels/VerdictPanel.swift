import ABCore

/// The verdict lines, the SRM alarm, and the vote tally.
enum VerdictPanel {
    static func lines(_ frame: DashboardFrame) -> [(String, Role)] {
        var out: [(String, Role)] = []
        for r in frame.srm where r.flagged {
            out.append(
                (
                    "⚠ sample ratio mismatch in epoch \(r.epoch): \(r.observed) vs weights \(r.weights) "
                        + "— the split is not doing what it says",
                    .bad
                ))
        }
        let shown = frame.verdicts.filter { $0.metric != .ttft || $0.significant }
        for v in shown { out.append(((v.significant ? "● " : "○ ") + v.text, v.significant ? .warn : .graphText)) }
        if !frame.votes.isEmpty {
            let rates = WinRate.of(frame.votes, entityCount: frame.snapshot.entities.count)
            let text = rates.filter { $0.votes > 0 }.map { r -> String in
                "\(frame.snapshot.entities[r.entity].info.name) wins \(Text.fixed(r.rate.estimate * 100, 0))% "
                    + "[\(Text.fixed(r.rate.lower * 100, 0))–\(Text.fixed(r.rate.upper * 100, 0))]"
            }.joined(separator: " · ")
            out.append(("votes (\(frame.votes.count)): " + text, .title))
        }
        return out
    }
}
