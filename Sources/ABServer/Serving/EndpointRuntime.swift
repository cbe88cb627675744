import ABCore
import ABProviders
import Synchronization

/// A live endpoint: the router, engine and session behind one config. The composition root implements it
/// over the engine; `ABServer` only speaks HTTP to it.
public protocol EndpointRuntime: AnyObject, Sendable {
    /// The live split (the dashboard's sliders move it).
    var weights: Weights { get }
    /// A new split from the next request on (a new epoch).
    func setWeights(_ weights: Weights)
    func setFallback(_ enabled: Bool)
    /// Sends one streamed request; its events end with `.finished`, content arriving as it comes.
    func invoke(_ invocation: Invocation) -> InvocationEvents
    /// Sends one request and waits for its end, in the caller's task (no hand-over for a JSON answer).
    func call(_ invocation: Invocation) async -> InvocationResult
    /// Stops taking requests and finishes the session (the endpoint was deleted or replaced).
    func close() async
    /// The verdicts and SRM checks as they stand, for `/metrics`.
    var analysis: (verdicts: [Verdict], srm: [SRMResult]) { get }
    /// A client's feedback on the request this endpoint answered with `requestID` (its `x-request-id`).
    func feedback(requestID: String, metric: String, value: Double, isBoolean: Bool, comment: String?)
        -> FeedbackOutcome
    /// Each entity's breaker as it stands: seconds it still cools down (nil: not cooling down).
    var coolingDown: [Double?] { get }
    /// Cools `entity` down for `seconds` because another replica's breaker opened for it; true when it was not
    /// already cooling down as long.
    func coolDown(entity: Int, seconds: Double, reason: String) -> Bool
    /// The endpoint's guarded rollout as it stands; nil without one.
    var rollout: RolloutState? { get }
    /// Starts a rollout of `plan` (`POST …/rollout`), or pauses, resumes or aborts the one under way.
    func rollout(_ action: RolloutAction) async throws(ServingError) -> RolloutState
}

/// What `POST …/{name}/rollout[/pause|resume|abort]` asks for.
public enum RolloutAction: Sendable {
    case start(RolloutPlan)
    case command(RolloutGuard.Command)
}

/// What became of a client's feedback.
public enum FeedbackOutcome: Sendable, Equatable {
    case taken
    /// This endpoint answered no request with that id (or too long ago to remember it).
    case unknownRequest
    /// It answered it, but the feedback cannot be taken (a metric too many, or of another kind than before).
    case refused(String)
}

extension EndpointRuntime {
    public var analysis: (verdicts: [Verdict], srm: [SRMResult]) { ([], []) }
    public var coolingDown: [Double?] { [] }
    public func coolDown(entity: Int, seconds: Double, reason: String) -> Bool { false }
    public var rollout: RolloutState? { nil }
    public func rollout(_ action: RolloutAction) async throws(ServingError) -> RolloutState {
        throw ServingError(status: 400, code: "INVALID_STATE", message: "this endpoint runs no rollouts")
    }
}

/// Builds the runtime for a validated config (the composition root: engine, journal, simulated providers).
extension EndpointRuntime {
    /// A runtime that keeps no request ids (a test's fake) knows none.
    public func feedback(requestID: String, metric: String, value: Double, isBoolean: Bool, comment: String?)
        -> FeedbackOutcome
    { .unknownRequest }
}

public protocol EndpointRuntimeFactory: Sendable {
    /// `configText` is the create payload as JSON, for the journal; `metrics` must receive every outcome.
    func make(config: EndpointConfig, configText: String, metrics: EndpointMetrics) throws -> any EndpointRuntime
}
