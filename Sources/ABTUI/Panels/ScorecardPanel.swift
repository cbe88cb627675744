import ABCore

/// The scorecard (`v`): one row per arm, quality beside speed, errors and cost, in the columns the summary and the
/// reports show (`Scorecard`), each column as wide as its widest cell.
enum ScorecardPanel {
    static func lines(_ frame: DashboardFrame) -> [(String, Role)] {
        let card = Scorecard(
            snapshot: frame.snapshot, votes: frame.votes, judgements: frame.judgements,
            feedback: frame.feedback.metrics.isEmpty ? nil : frame.feedback)
        let table = [card.header] + card.cells
        let widths = card.header.indices.map { i in table.map { DisplayWidth.of($0[i]) }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - DisplayWidth.of(cell)))
                return i == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        return [("scorecard  " + line(card.header), .title)] + card.cells.map { ("           " + line($0), .mainFg) }
    }
}
