/// The judge's record in the plain words the summary, the reports and the dashboard all print.
extension JudgeSummary {
    /// One pair of entities as the judge sees them: who beats whom, decided when the always-valid interval of the
    /// first's score against the second (win 1, tie ½) is clear of ½, at α / (pairs) so every pair holds together.
    public struct Standing: Sendable, Equatable {
        public let a: Int
        public let b: Int
        public let winner: Int?
        public let pairs: Int
        public let text: String
    }

    public func standings(names: [String], alpha: Double) -> [Standing] {
        HeadToHead.of(votes, entityCount: names.count, alpha: alpha).map { h in
            let mine = votes.filter { Set([$0.a, $0.b]) == Set([h.a, h.b]) }
            let won = mine.filter { $0.score(for: h.a) == 1 }.count
            let lost = mine.filter { $0.score(for: h.a) == 0 }.count
            let tally = "\(won) won, \(h.votes - won - lost) tied, \(lost) lost"
            let range =
                "[\(VerdictText.percent(h.rate.lower, digits: 0))–\(VerdictText.percent(h.rate.upper, digits: 0)) "
                + "always-valid]"
            let text: String
            if let w = h.winner {
                let l = w == h.a ? h.b : h.a
                let rate = w == h.a ? h.rate.estimate : 1 - h.rate.estimate
                let wonL = w == h.a ? won : lost
                let lostL = w == h.a ? lost : won
                text =
                    "judge: \(names[w]) beats \(names[l]) — scores \(VerdictText.percent(rate, digits: 0)) over "
                    + "\(h.votes) pairs judged in both orders (\(wonL) won, \(h.votes - won - lost) tied, "
                    + "\(lostL) lost)"
            } else {
                text =
                    "judge: \(names[h.a]) vs \(names[h.b]) not decided yet — \(names[h.a]) scores "
                    + "\(VerdictText.percent(h.rate.estimate, digits: 0)) \(range) over \(h.votes) pairs (\(tally))"
            }
            return Standing(a: h.a, b: h.b, winner: h.winner, pairs: h.votes, text: text)
        }
    }

    /// "judge gpt-4o-mini: 40 pairs judged in both orders, 9 ties · consistency 85 % (the orders agreed) ·
    /// 2 not judged (1 out of format, 1 the judge's call failed)".
    public func overview(model: String) -> String {
        var parts = [
            "judge \(model): \(judged) pair\(judged == 1 ? "" : "s") judged in both orders, \(ties) tie\(ties == 1 ? "" : "s")"
        ]
        if let consistency {
            parts.append("consistency \(VerdictText.percent(consistency, digits: 0)) (the two orders agreed)")
        }
        if failed > 0 { parts.append("\(failed) not judged (\(failureWords))") }
        return parts.joined(separator: " · ")
    }

    /// What judging cost, apart from the arms: "judging cost $0.0123 · 96,000 tokens in, 320 out · 1.2 s a pair".
    public var costLine: String {
        // Pairs the judge was asked about (a pair never sent costs nothing and took no time).
        let n = judged + (failures[.request] ?? 0) + (failures[.format] ?? 0) + (failures[.answer] ?? 0)
        let cost = costUSD.map(VerdictText.money) ?? "unknown (no price)"
        let per = n == 0 ? "" : " · \(fixedPoint(seconds / Double(n), places: 2)) s a pair"
        return "judging cost \(cost) · \(inputTokens) tokens in, \(outputTokens) out\(per) (the judge's calls and "
            + "serve's fresh answers; not in the arms' figures)"
    }
}

extension JudgeAgreement {
    /// "judge and votes agree on 18 of 20 pairs (90 %), Cohen's κ 0.81".
    public var text: String {
        "judge and blind votes agree on \(agreed) of \(pairs) pair\(pairs == 1 ? "" : "s") "
            + "(\(VerdictText.percent(rate, digits: 0))), Cohen's κ "
            + (kappa.map { fixedPoint($0, places: 2) } ?? "undefined (one outcome only)")
    }
}
