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
}

extension EndpointRuntime {
    public var analysis: (verdicts: [Verdict], srm: [SRMResult]) { ([], []) }
}

/// Builds the runtime for a validated config (the composition root: engine, journal, simulated providers).
public protocol EndpointRuntimeFactory: Sendable {
    /// `configText` is the create payload as JSON, for the journal; `metrics` must receive every outcome.
    func make(config: EndpointConfig, configText: String, metrics: EndpointMetrics) throws -> any EndpointRuntime
}
