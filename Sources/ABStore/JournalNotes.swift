import ABCore

extension Journal {
    /// What a session records beside its requests, in the order it happened, written in the same transaction as
    /// the requests that came with it: split changes, votes, feedback, the judge's verdicts, the latest read of the
    /// verdicts and the mode.
    public struct Notes: Sendable {
        var epochs: [SplitEpoch] = []
        var votes: [(vote: Vote, at: Double)] = []
        var feedback: [(feedback: Feedback, at: Double)] = []
        var judgements: [(judgement: Judgement, at: Double)] = []
        /// The latest read of the verdicts, encoded (only the latest is kept: it replaces the one before).
        var analysis: String?
        /// The mode the session switched to last.
        var mode: RunMode?
        /// A rollout's states after each move, encoded, in order.
        var rollouts: [String] = []

        public init() {}

        var isEmpty: Bool {
            epochs.isEmpty && votes.isEmpty && feedback.isEmpty && judgements.isEmpty && analysis == nil
                && mode == nil && rollouts.isEmpty
        }

        /// These notes (a batch that failed to write) put back before `later` ones: lists in order, and the
        /// latest analysis and mode kept.
        func followed(by later: Notes) -> Notes {
            var n = self
            n.epochs += later.epochs
            n.votes += later.votes
            n.feedback += later.feedback
            n.judgements += later.judgements
            n.rollouts += later.rollouts
            n.analysis = later.analysis ?? analysis
            n.mode = later.mode ?? mode
            return n
        }
    }
}
