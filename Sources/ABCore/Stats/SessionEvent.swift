/// What happens in a session, in the order it happened: the one stream the journal, `/metrics` and any other
/// subscriber read, so each learns of a request, a new split or a vote once and from one place.
public enum SessionEvent: Sendable {
    /// A request was sent to `entity` in split epoch `epoch`, with its ticket in the entity's issue order (only
    /// requests the verdicts read: no fallbacks, no sticky follow-ups).
    case started(entity: Int, ticket: Int, epoch: Int)
    /// A request finished (an outcome of any kind, fallbacks and failures included).
    case finished(RequestRecord)
    /// The split changed: a new epoch from this moment on.
    case epochOpened(SplitEpoch)
    /// A client's feedback on a served request, at session seconds `at`.
    case feedback(Feedback, at: Double)
    /// The session switched between split and compare at session seconds `at`.
    case modeChanged(RunMode, at: Double)
    /// A blind vote between two entities' answers to the same prompt, at session seconds `at`.
    case voted(Vote, at: Double)
    /// Compare mode: every entity's answer to one prompt is in (what a blind vote or the judge reads).
    case compared(CompareGroup)
    /// The LLM judge's verdict on two answers to the same prompt (or why there is none), at session seconds `at`.
    case judged(Judgement, at: Double)
    /// The verdicts were read (a dashboard second, a progress line, the summary): what was shown, with the
    /// settings it was read under, so a report rebuilt from the journal repeats it.
    case analysed(AnalysisRead)
    /// A guarded rollout moved (or started, paused, ended): its whole state after the move.
    case rollout(RolloutState)
    /// The session is over: nothing follows.
    case ended
}

/// One read of a session's verdicts: what the dashboard, a progress line or the summary showed.
public struct AnalysisRead: Sendable, Codable, Equatable {
    public var settings: VerdictAnalysis.Settings
    public var familySize: Int
    /// Session seconds when the statistics were read.
    public var time: Double
    public var verdicts: [Verdict]
    public var srm: [SRMResult]

    public init(
        settings: VerdictAnalysis.Settings, familySize: Int, time: Double, verdicts: [Verdict], srm: [SRMResult]
    ) {
        self.settings = settings
        self.familySize = familySize
        self.time = time
        self.verdicts = verdicts
        self.srm = srm
    }
}

/// Subscribes to a session's events. Called on whichever thread the event happened (a transport loop, the
/// dashboard): keep the work small and never block.
public protocol SessionObserver: Sendable {
    func observe(_ event: SessionEvent)
}
