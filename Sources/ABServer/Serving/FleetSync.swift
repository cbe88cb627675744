import ABCore

/// What a serving registry shares with the other replicas of a fleet (`abtop serve --fleet redis://…`): its
/// endpoints' configs and splits, and its rate limits' buckets. `ABFleet` implements it over Redis; without a
/// fleet the registry keeps everything to itself, as it always did.
public protocol FleetSync: Sendable {
    /// Refuses a create or update payload the fleet cannot share (a key written in plain text would be copied into
    /// Redis). Called before anything changes.
    func check(_ payload: JSONObject) throws(ServingError)
    /// The endpoint changed on this replica (created, its config, gateway, tags or split changed): every other
    /// replica applies `payload` and `weights`. `payload` nil: deleted.
    func publish(_ name: String, payload: JSONObject?, weights: [Int]?)
    /// Takes one call from the endpoint's fleet-wide buckets.
    func admit(_ name: String, limits: [AIGatewayConfig.RateLimit], caller: String) -> FleetAdmission
    /// Charges an answered request's tokens to the endpoint's fleet-wide token buckets.
    func charge(_ name: String, limits: [AIGatewayConfig.RateLimit], tokens: Int, caller: String)
    /// How many replicas were serving when the fleet last answered (at least 1): a replica cut off from the fleet
    /// divides each limit by it, so the fleet together stays near the endpoint's limit.
    var fleetSize: Int { get }
}

/// A fleet-wide rate limit's answer.
public enum FleetAdmission: Sendable, Equatable {
    case admitted
    /// Over the limit: retry in this many seconds.
    case wait(Double)
    /// The fleet's state cannot be reached: the replica's own buckets decide (scaled by the fleet's size).
    case unavailable
}

extension AIGatewayConfig.RateLimit {
    /// This limit's share for one of `replicas` replicas cut off from the fleet (never below one call or token).
    public func share(of replicas: Int) -> AIGatewayConfig.RateLimit {
        guard replicas > 1 else { return self }
        var copy = self
        copy.calls = calls.map { max(1, ($0 + replicas - 1) / replicas) }
        copy.tokens = tokens.map { max(1, ($0 + replicas - 1) / replicas) }
        return copy
    }
}
