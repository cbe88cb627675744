import ABCore

/// Everything one frame shows, gathered by the composition root from the session.
public struct DashboardFrame: Sendable {
    public var endpoint: String
    public var mode: RunMode
    /// `abtop serve`: the traffic is the clients' (no load of its own, no compare mode); the title says "serve".
    public var serving = false
    /// Where `abtop serve` listens: always on screen, so a client can be pointed at it while the dashboard runs.
    public var address: String?
    /// The endpoint's task: embeddings have no TTFT or decode speed to show.
    public var task = EndpointTask.chat
    public var snapshot: Snapshot
    public var verdicts: [Verdict]
    public var srm: [SRMResult]
    public var events: [EngineEvent]
    public var records: [RequestRecord]
    /// Compare-mode prompts whose answers are all in, oldest first: the blind pairs come from these.
    public var groups: [CompareGroup] = []
    public var votes: [Vote]
    /// The family-wise error rate of the verdicts (`--alpha`), which the vote line's win-rate intervals use too.
    public var alpha = 0.05
    /// Clients' feedback (`POST /feedback`, serve) per metric and entity; empty when none came.
    public var feedback = FeedbackTally(entities: 0)
    /// The LLM judge's verdicts and failures, and its model; empty without a judge.
    public var judgements: [Judgement] = []
    public var judgeModel = "judge"
    /// With adaptive allocation, what it means for the figures on screen; nil with a fixed split.
    public var adaptive: String?
    /// The guarded rollout in one line, and its phase; nil without one.
    public var rollout: (line: String, phase: RolloutState.Phase)?
    public var paused: Bool
    /// Prompts per second of an open loop, or nil for a closed loop.
    public var rate: Double?
    /// A line for the status bar (e.g. where a report was written).
    public var status: String?
    /// Per entity, a breaker label ("cooling 12s", "probing") or nil when closed.
    public var breakerLabels: [String?] = []
    /// `abtop serve`: every endpoint's name, and which one this frame shows.
    public var endpoints: [String] = []
    public var endpointIndex = 0
    /// Shown instead of the panels when there is nothing to draw yet (a server with no endpoint).
    public var waiting: [String]?

    public init(
        endpoint: String, mode: RunMode, snapshot: Snapshot, verdicts: [Verdict] = [], srm: [SRMResult] = [],
        events: [EngineEvent] = [], records: [RequestRecord] = [], votes: [Vote] = [], paused: Bool = false,
        rate: Double? = nil, status: String? = nil
    ) {
        self.endpoint = endpoint
        self.mode = mode
        self.snapshot = snapshot
        self.verdicts = verdicts
        self.srm = srm
        self.events = events
        self.records = records
        self.votes = votes
        self.paused = paused
        self.rate = rate
        self.status = status
    }
}

extension DashboardFrame {
    /// This frame as it will look once `command` is carried out, as far as the keys read it: the next key of a
    /// batch (five `→` typed at once) then builds on the last one instead of on the frame drawn before them.
    public mutating func apply(_ command: DashboardCommand) {
        switch command {
        case .setWeights(let weights):
            snapshot.epoch = SplitEpoch(index: snapshot.epoch.index + 1, weights: weights, startedAt: snapshot.time)
        case .setPaused(let paused):
            self.paused = paused
        case .setCompareMode(let compare):
            mode = compare ? .compare : .split
        case .rollout(let command):
            // The next R of a batch reads the phase this one leaves.
            guard let r = rollout, !r.phase.isOver else { break }
            switch command {
            case .pause: rollout = (r.line, .paused)
            case .resume: rollout = (r.line, .ramping)
            case .abort: rollout = (r.line, .aborted)
            }
        case .scaleRate, .vote, .submitPrompt, .export, .nextEndpoint:
            break
        }
    }
}

/// What the dashboard asks of the run (the composition root carries it out).
public enum DashboardCommand: Sendable, Equatable {
    case setWeights(Weights)
    case setPaused(Bool)
    /// Multiply the request rate by this factor.
    case scaleRate(Double)
    case setCompareMode(Bool)
    case vote(Vote)
    case submitPrompt(String)
    case export
    /// `abtop serve`: show the next endpoint.
    case nextEndpoint
    /// Pause, resume or abort the endpoint's guarded rollout.
    case rollout(RolloutGuard.Command)
}

/// The dashboard's view of the run: frames out, commands in. `ABTUI` knows nothing else of the engine.
public protocol DashboardModel: AnyObject, Sendable {
    func frame() -> DashboardFrame
    func perform(_ command: DashboardCommand)
}
