/// What happens in a session, in the order it happened: the one stream the journal, `/metrics` and any other
/// subscriber read, so each learns of a request, a new split or a vote once and from one place.
public enum SessionEvent: Sendable {
    /// A request finished (an outcome of any kind, fallbacks and failures included).
    case finished(RequestRecord)
    /// The split changed: a new epoch from this moment on.
    case epochOpened(SplitEpoch)
    /// A blind vote between two entities' answers to the same prompt, at session seconds `at`.
    case voted(Vote, at: Double)
    /// The session is over: nothing follows.
    case ended
}

/// Subscribes to a session's events. Called on whichever thread the event happened (a transport loop, the
/// dashboard): keep the work small and never block.
public protocol SessionObserver: Sendable {
    func observe(_ event: SessionEvent)
}
