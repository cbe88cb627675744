import ABCore

/// The verdict lines, the SRM alarm, the vote tally, the judge's record and clients' feedback.
enum VerdictPanel {
    static func lines(_ frame: DashboardFrame) -> [(String, Role)] {
        var out: [(String, Role)] = []
        if let adaptive = frame.adaptive { out.append((adaptive, .warn)) }
        // The rollout first: what it is doing to the split right now.
        if let rollout = frame.rollout {
            let role: Role =
                switch rollout.phase {
                case .rolledBack, .aborted: .bad
                case .paused: .warn
                case .completed: .good
                case .ramping: .title
                }
            out.append((rollout.line, role))
        }
        for r in frame.srm where r.flagged {
            out.append(
                (
                    "⚠ sample ratio mismatch in epoch \(r.epoch): \(r.observed) vs weights \(r.weights) "
                        + "— the split is not doing what it says",
                    .bad
                ))
        }
        // The verdicts of the mode on screen: what is known first, then the primary ones still open.
        let mine = frame.verdicts.filter { $0.metric.inBothModes || $0.metric.isPaired == (frame.mode == .compare) }
        let known = mine.filter { $0.state != .notYet }
        let open = mine.filter { $0.state == .notYet && $0.primary }
        for v in known + open {
            switch v.state {
            // The state first, in words: a narrow screen cuts the sentence, never what was decided.
            case .decided: out.append(("● decided: " + v.text, .warn))
            case .equivalent: out.append(("≈ the same: " + v.text, .good))
            case .notYet: out.append(("○ not yet: " + v.text, .graphText))
            }
        }
        if !frame.votes.isEmpty {
            let rates = WinRate.of(frame.votes, entityCount: frame.snapshot.entities.count, alpha: frame.alpha)
            let text = rates.filter { $0.votes > 0 }.map { r -> String in
                "\(frame.snapshot.entities[r.entity].info.name) wins \(Text.fixed(r.rate.estimate * 100, 0))% "
                    + "[\(Text.fixed(r.rate.lower * 100, 0))–\(Text.fixed(r.rate.upper * 100, 0))% always-valid]"
            }.joined(separator: " · ")
            out.append(("votes (\(frame.votes.count)): " + text, .title))
            // Three or more entities: who beats whom, where the votes have decided it.
            let names = frame.snapshot.entities.map(\.info.name)
            let standings = HeadToHead.of(frame.votes, entityCount: names.count, alpha: frame.alpha).compactMap {
                pair -> String? in
                guard names.count >= 3, let w = pair.winner else { return nil }
                return "\(names[w]) beats \(names[w == pair.a ? pair.b : pair.a])"
            }
            if !standings.isEmpty { out.append(("head to head: " + standings.joined(separator: " · "), .title)) }
        }
        let names = frame.snapshot.entities.map(\.info.name)
        // The judge: what it decided first, then how it judged (consistency, failures), and whether it agrees
        // with the people voting.
        if !frame.judgements.isEmpty {
            let judge = JudgeSummary(frame.judgements)
            for s in judge.standings(names: names, alpha: frame.alpha) {
                out.append(s.winner == nil ? ("○ not yet: " + s.text, .graphText) : ("● decided: " + s.text, .warn))
            }
            out.append((judge.overview(model: frame.judgeModel), judge.failed > 0 ? .warn : .title))
            if let agreement = JudgeAgreement.of(frame.judgements, votes: frame.votes) {
                out.append((agreement.text, .title))
            }
        }
        // Feedback per metric and arm, then what its own family has decided.
        for m in frame.feedback.metrics where m.arms.count == names.count {
            let per = m.arms.enumerated().map { i, arm -> String in
                let mean =
                    arm.moments.count == 0
                    ? "—"
                    : m.isBoolean
                        ? "\(Text.fixed(arm.moments.mean * 100, 0))%" : Text.fixed(arm.moments.mean, 2)
                return "\(names[i]) \(mean) (\(arm.moments.count))"
            }
            out.append(("feedback \(m.name): " + per.joined(separator: " · "), .title))
        }
        for c in FeedbackAnalysis.compare(frame.feedback, names: names, alpha: frame.alpha) where c.state == .decided {
            out.append(("● decided: " + c.text, .warn))
        }
        return out
    }
}
