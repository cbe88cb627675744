import ABCore
import Foundation
import Synchronization

/// The serving endpoints that exist, and the Databricks REST operations on them (create, get, list, delete,
/// update config / AI gateway / rate limits / tags). Each endpoint keeps its create payload as submitted, so
/// every update is validated by reading the whole payload again: an update's errors name the same JSON paths
/// `abtop validate` does.
public final class ServingRegistry: Sendable {
    /// What a request to one endpoint needs.
    public struct Endpoint: Sendable {
        public let name: String
        public let config: EndpointConfig
        public let runtime: any EndpointRuntime
        public let metrics: EndpointMetrics
    }

    struct Entry {
        var endpoint: Endpoint
        /// The create payload as submitted, updated by each PUT / PATCH (secrets redacted only on the way out).
        var payload: JSONObject
        let id: String
        let created: Int
        var updated: Int
        var configVersion: Int
        var limiter: RateLimiter
        /// In a fleet cut off from Redis: the limits divided by the fleet's size, and that size.
        var fallback: (limiter: RateLimiter, replicas: Int)?
        /// Bumped by every change: an update applies only to the entry it was computed from (see `update`).
        var revision = 0
    }

    private let entries = Mutex<[Entry]>([])
    /// Creates under way: each holds a place under `maxEndpoints` from its check to its append, so concurrent
    /// creates cannot all pass the check and build runtimes past the cap. Taken only inside `entries`' lock.
    private let reserved = Mutex<Int>(0)
    private let factory: any EndpointRuntimeFactory
    /// The other replicas of a fleet (`--fleet`), when there are: changes are published to them, and rate limits
    /// are counted across all of them.
    private let fleet = Mutex<(any FleetSync)?>(nil)
    /// Families `/metrics` adds after the endpoints' (the fleet link's, the PostgreSQL journal's), rendered on
    /// each scrape.
    private let extraMetrics = Mutex<[@Sendable () -> String]>([])
    /// Changes made here and not yet published, by endpoint: the fleet's older state is not applied over them.
    private let changing = Mutex<[String: Int]>([:])
    /// Seconds on a monotonic clock, for the rate limiters.
    private let clock: @Sendable () -> Double
    /// The most endpoints served at once (`--max-endpoints`): each holds a session, its analysis and a journal
    /// session, so an unbounded number of creates would be an unbounded amount of memory.
    public let maxEndpoints: Int
    public static let defaultMaxEndpoints = 64

    public init(
        factory: any EndpointRuntimeFactory, maxEndpoints: Int = defaultMaxEndpoints,
        clock: (@Sendable () -> Double)? = nil
    ) {
        self.factory = factory
        self.maxEndpoints = maxEndpoints
        let origin = ContinuousClock.now
        self.clock =
            clock ?? {
                let d = ContinuousClock.now - origin
                return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            }
    }

    // MARK: - Looking up

    public var endpoints: [Endpoint] { entries.withLock { $0.map(\.endpoint) } }

    public func endpoint(named name: String) -> Endpoint? {
        entries.withLock { $0.first { $0.endpoint.name == name }?.endpoint }
    }

    /// Joins a fleet: from now on changes made here are published, and rate limits count every replica's calls.
    public func join(_ fleet: any FleetSync) {
        self.fleet.withLock { $0 = fleet }
    }

    /// Adds families to `/metrics` (Prometheus text, each with its HELP and TYPE lines).
    public func addMetrics(_ source: @escaping @Sendable () -> String) {
        extraMetrics.withLock { $0.append(source) }
    }

    /// The added families, rendered now.
    public var addedMetrics: String { extraMetrics.withLock { $0 }.map { $0() }.joined() }

    /// The endpoint for an invocation, after its rate limits admitted the call: the fleet's buckets when this
    /// replica is in one and Redis answers, else its own (in a fleet, its share of each limit).
    public func admit(_ name: String, caller: String) throws(ServingError) -> Endpoint {
        let fleet = self.fleet.withLock { $0 }
        let now = clock()
        var shared: (endpoint: Endpoint, limits: [AIGatewayConfig.RateLimit])?
        let result: Result<Endpoint, ServingError>? = entries.withLock { list in
            guard let i = list.firstIndex(where: { $0.endpoint.name == name }) else {
                return .failure(.notFound(endpoint: name))
            }
            if list[i].limiter.limits.isEmpty { return .success(list[i].endpoint) }
            if fleet != nil {
                shared = (list[i].endpoint, list[i].limiter.limits)
                return nil
            }
            return Self.admitLocally(&list[i].limiter, name: name, caller: caller, now: now, entry: list[i])
        }
        if let result { return try result.get() }
        guard let fleet, let (endpoint, limits) = shared else { throw .notFound(endpoint: name) }
        switch fleet.admit(name, limits: limits, caller: caller) {
        case .admitted: return endpoint
        case .wait(let wait): throw Self.refused(endpoint, wait: wait)
        case .unavailable:
            let replicas = fleet.fleetSize
            let local: Result<Endpoint, ServingError> = entries.withLock { list in
                guard let i = list.firstIndex(where: { $0.endpoint.name == name }) else {
                    return .failure(.notFound(endpoint: name))
                }
                if list[i].fallback?.replicas != replicas {
                    list[i].fallback = (RateLimiter(limits: limits.map { $0.share(of: replicas) }), replicas)
                }
                return Self.admitLocally(
                    &list[i].fallback!.limiter, name: name, caller: caller, now: now, entry: list[i])
            }
            return try local.get()
        }
    }

    private static func admitLocally(
        _ limiter: inout RateLimiter, name: String, caller: String, now: Double, entry: Entry
    ) -> Result<Endpoint, ServingError> {
        guard let wait = limiter.admit(caller: caller, now: now) else { return .success(entry.endpoint) }
        return .failure(refused(entry.endpoint, wait: wait))
    }

    private static func refused(_ endpoint: Endpoint, wait: Double) -> ServingError {
        endpoint.metrics.refusedByRateLimit()
        return .rateLimited(
            "endpoint '\(endpoint.name)' is over its rate limit (ai_gateway.rate_limits); "
                + "retry in \(ServingError.retryAfterHeader(wait)) s",
            retryAfter: wait)
    }

    /// Charges an answered request's tokens to the endpoint's token limits.
    public func charge(_ name: String, tokens: Int, caller: String) {
        let fleet = self.fleet.withLock { $0 }
        let now = clock()
        let limits = entries.withLock { list -> [AIGatewayConfig.RateLimit]? in
            guard let i = list.firstIndex(where: { $0.endpoint.name == name }), !list[i].limiter.limits.isEmpty else {
                return nil
            }
            guard list[i].limiter.limits.contains(where: { $0.tokens != nil }) else { return nil }
            if fleet == nil { list[i].limiter.charge(tokens: tokens, caller: caller, now: now) }
            list[i].fallback?.limiter.charge(tokens: tokens, caller: caller, now: now)
            return list[i].limiter.limits
        }
        if let fleet, let limits { fleet.charge(name, limits: limits, tokens: tokens, caller: caller) }
    }

    // MARK: - REST operations

    /// `POST /api/2.0/serving-endpoints`. `publish` false: the fleet's own change, applied here (not sent back).
    public func create(_ body: JSONValue, publish: Bool = true) throws(ServingError) -> JSONValue {
        let name = body[key: "name"]?.stringValue ?? ""
        if publish { beginLocalChange(name) }
        defer { if publish { endLocalChange(name) } }
        guard let object = body.objectValue else {
            throw .invalid("the request body must be a JSON object: {\"name\": ..., \"config\": {...}}")
        }
        guard let name = object["name"]?.stringValue else {
            throw .invalid("missing required field \"name\": add \"name\": \"my-endpoint\" beside \"config\"")
        }
        guard object["config"]?.objectValue != nil else {
            throw .invalid("missing required field \"config\": {\"served_entities\": [...], \"traffic_config\": {...}}")
        }
        if endpoint(named: name) != nil { throw .alreadyExists(endpoint: name) }
        let config = try Self.validate(object)
        if publish { try fleet.withLock({ $0 })?.check(object) }
        let room = entries.withLock { list in
            reserved.withLock { n in
                guard list.count + n < maxEndpoints else { return false }
                n += 1
                return true
            }
        }
        guard room else { throw .tooManyEndpoints(limit: maxEndpoints) }
        let metrics = EndpointMetrics(entityNames: config.servedEntities.map(\.name))
        let runtime: any EndpointRuntime
        do {
            runtime = try makeRuntime(config, payload: object, metrics: metrics)
        } catch {
            reserved.withLock { $0 -= 1 }
            throw error
        }
        let now = Self.milliseconds()
        let entry = Entry(
            endpoint: Endpoint(name: name, config: config, runtime: runtime, metrics: metrics),
            payload: object, id: Self.newID(), created: now, updated: now, configVersion: 1,
            limiter: RateLimiter(limits: config.aiGateway.rateLimits))
        let added = entries.withLock { list -> Bool in
            // The place held since the check becomes the entry itself, under the same lock: never counted twice.
            reserved.withLock { $0 -= 1 }
            guard !list.contains(where: { $0.endpoint.name == name }) else { return false }
            list.append(entry)
            return true
        }
        guard added else {
            Task { await runtime.close() }
            throw .alreadyExists(endpoint: name)
        }
        if publish { published(entry) }
        return document(entry)
    }

    /// `GET /api/2.0/serving-endpoints`: `{"endpoints": [...]}`, also when there are none.
    public func list() -> JSONValue {
        .object(JSONObject(["endpoints": .array(entries.withLock { $0 }.map(document))]))
    }

    /// `POST /feedback`: `{"request_id" (or TensorZero's "inference_id"), "metric_name", "value": true | false |
    /// number, "comment"?}` on a request an endpoint answered (its `x-request-id`). Answers `{"feedback_id"}`; an
    /// id no endpoint answered is a 404.
    public func feedback(_ body: JSONValue) throws(ServingError) -> JSONValue {
        guard let o = body.objectValue else {
            throw .badRequest("the body must be a JSON object: {\"request_id\", \"metric_name\", \"value\"}")
        }
        for key in o.keys
        where !["request_id", "inference_id", "metric_name", "value", "comment", "tags"].contains(key) {
            throw .badRequest(
                "unknown field \"\(Excerpt.of(key))\": feedback takes request_id, metric_name, value, comment")
        }
        guard let id = (o["request_id"] ?? o["inference_id"])?.stringValue, !id.isEmpty, id.utf8.count <= 200 else {
            throw .badRequest("request_id must be the x-request-id abtop serve returned")
        }
        guard let metric = o["metric_name"]?.stringValue, Feedback.isMetricName(metric) else {
            throw .badRequest(
                "metric_name must be 1 to \(Feedback.maxNameLength) letters, digits, '_', '-' or '.'")
        }
        let value: Double
        let isBoolean: Bool
        switch o["value"] {
        case .bool(let b)?:
            (value, isBoolean) = (b ? 1 : 0, true)
        case .number(let n)? where n.value.isFinite && abs(n.value) <= 1e12:
            (value, isBoolean) = (n.value, false)
        default:
            throw .badRequest("value must be true, false or a finite number")
        }
        var comment: String?
        if let c = o["comment"], c != .null {
            guard let text = c.stringValue, text.utf8.count <= Feedback.maxCommentLength else {
                throw .badRequest("comment must be a string of at most \(Feedback.maxCommentLength) bytes")
            }
            comment = text
        }
        for e in endpoints {
            switch e.runtime.feedback(
                requestID: id, metric: metric, value: value, isBoolean: isBoolean, comment: comment)
            {
            case .taken:
                return ["feedback_id": .string(UUID().uuidString.lowercased())]
            case .refused(let why):
                throw .badRequest(why)
            case .unknownRequest:
                continue
            }
        }
        throw ServingError(
            status: 404, code: "RESOURCE_DOES_NOT_EXIST",
            message: "no served request has the id \"\(Excerpt.of(id))\" (or it is older than the last "
                + "\(Self.rememberedRequests) an endpoint remembers)")
    }

    /// How many of its latest requests' ids each endpoint keeps for feedback.
    public static let rememberedRequests = 100_000

    /// `GET /api/2.0/serving-endpoints/{name}`.
    public func get(_ name: String) throws(ServingError) -> JSONValue {
        document(try entry(name))
    }

    /// `GET …/{name}/rollout`: the rollout as it stands (404 without one).
    public func rollout(_ name: String) throws(ServingError) -> JSONValue {
        guard let state = try entry(name).endpoint.runtime.rollout else {
            throw ServingError(
                status: 404, code: "RESOURCE_DOES_NOT_EXIST",
                message: "no rollout on endpoint '\(name)': POST one to /api/2.0/serving-endpoints/\(name)/rollout")
        }
        return RolloutJSONView.state(state)
    }

    /// `POST …/{name}/rollout` with a plan, or `…/rollout/pause|resume|abort`.
    public func rollout(_ name: String, action: String?, body: JSONValue?) async throws(ServingError) -> JSONValue {
        let e = try entry(name)
        let request: RolloutAction
        switch action {
        case nil:
            var issues = ConfigIssues()
            guard let body,
                let plan = RolloutPlan.read(
                    body, at: ConfigPath(), entities: e.endpoint.config.servedEntities.map(\.name), issues: &issues)
            else { throw .config(issues) }
            request = .start(plan)
        case let word?:
            guard let command = RolloutGuard.Command(rawValue: word) else {
                throw .notFound(path: "/api/2.0/serving-endpoints/\(name)/rollout/\(word)")
            }
            request = .command(command)
        }
        return RolloutJSONView.state(try await e.endpoint.runtime.rollout(request))
    }

    /// `DELETE /api/2.0/serving-endpoints/{name}`: `{}` once its in-flight requests finished.
    public func delete(_ name: String, publish: Bool = true) async throws(ServingError) -> JSONValue {
        if publish { beginLocalChange(name) }
        defer { if publish { endLocalChange(name) } }
        let removed = entries.withLock { list -> Entry? in
            guard let i = list.firstIndex(where: { $0.endpoint.name == name }) else { return nil }
            return list.remove(at: i)
        }
        guard let removed else { throw .notFound(endpoint: name) }
        if publish { fleet.withLock({ $0 })?.publish(name, payload: nil, weights: nil) }
        await removed.endpoint.runtime.close()
        return .object(JSONObject())
    }

    /// `PUT …/{name}/config`: a new split applies live as a new epoch; new entities start a new runtime (and a
    /// new journal session, since the comparison changed). `served_entities` may be left out to change only the
    /// split.
    public func updateConfig(_ name: String, _ body: JSONValue) async throws(ServingError) -> JSONValue {
        guard var config = body.objectValue else {
            throw .invalid(
                "the request body must be the config object: {\"served_entities\": [...], \"traffic_config\": {...}}")
        }
        let current = try entry(name)
        if config["served_entities"] == nil, config["served_models"] == nil {
            config["served_entities"] = current.payload["config"]?[key: "served_entities"]
        }
        var payload = current.payload
        payload["config"] = .object(config)
        let updated = try await replace(name, from: current, with: payload, publish: true)
        return document(updated)
    }

    /// What became of the fleet's state applied here.
    public enum SharedApplication: Sendable, Equatable {
        case applied
        /// The endpoint changed here since the fleet's state was read: that change is newer, and is published.
        case skipped
        /// It does not apply here (a payload an older abtop cannot read, a key this replica cannot resolve).
        case refused(ServingError)
    }

    /// The endpoint's revision now (nil: no such endpoint), for `applyShared(ifRevision:)`.
    public func revision(of name: String) -> Int? {
        entries.withLock { $0.first { $0.endpoint.name == name }?.revision }
    }

    /// Whether a change made here to `name` is under way (made, not yet published).
    public func isChangingLocally(_ name: String) -> Bool {
        changing.withLock { ($0[name] ?? 0) > 0 }
    }

    private func beginLocalChange(_ name: String) { changing.withLock { $0[name, default: 0] += 1 } }

    private func endLocalChange(_ name: String) {
        changing.withLock {
            $0[name, default: 1] -= 1
            if $0[name] == 0 { $0[name] = nil }
        }
    }

    /// Applies the fleet's state of an endpoint (another replica changed it): created, replaced or deleted here as
    /// it is there, and its live split set, without publishing it back. `ifRevision` is the endpoint's revision
    /// when the fleet's state was read (`.some(nil)`: it did not exist): if it changed since, or a change made here
    /// is under way, that change is newer and nothing is applied.
    public func applyShared(
        _ name: String, payload: JSONObject?, weights: [Int]?, ifRevision: Int?? = .none
    ) async -> SharedApplication {
        if case .some(let expected) = ifRevision, revision(of: name) != expected || isChangingLocally(name) {
            return .skipped
        }
        guard let payload else {
            if endpoint(named: name) != nil { _ = try? await delete(name, publish: false) }
            return .applied
        }
        do {
            if let current = try? entry(name) {
                if case .some(let expected) = ifRevision, current.revision != expected { return .skipped }
                if current.payload != payload {
                    _ = try await replace(name, from: current, with: payload, publish: false)
                }
            } else {
                _ = try create(.object(payload), publish: false)
            }
        } catch {
            // Another change won the race here: it is newer than the fleet's state read before it.
            if error.status == 409 { return .skipped }
            return .refused(error)
        }
        if let weights, let split = Weights(weights), let e = endpoint(named: name),
            e.runtime.weights.percentages != weights
        {
            e.runtime.setWeights(split)
        }
        return .applied
    }

    /// The endpoints as the fleet shares them: each one's payload and live split.
    public var shared: [(name: String, payload: JSONObject, weights: [Int])] {
        entries.withLock { $0.map { ($0.endpoint.name, $0.payload, $0.endpoint.runtime.weights.percentages) } }
    }

    /// Replaces an endpoint's payload (config, gateway, tags): a new split applies live as a new epoch; new entities
    /// start a new runtime. Serialised with every other change by the entry's revision.
    private func replace(
        _ name: String, from current: Entry, with payload: JSONObject, publish: Bool
    ) async throws(ServingError) -> Entry {
        if publish { beginLocalChange(name) }
        defer { if publish { endLocalChange(name) } }
        let parsed = try Self.validate(payload)
        if publish { try fleet.withLock({ $0 })?.check(payload) }
        let old = current.endpoint
        let sameEntities = parsed.servedEntities == old.config.servedEntities
        var endpoint = Endpoint(name: name, config: parsed, runtime: old.runtime, metrics: old.metrics)
        if !sameEntities {
            let metrics = EndpointMetrics(entityNames: parsed.servedEntities.map(\.name))
            endpoint = Endpoint(
                name: name, config: parsed, runtime: try makeRuntime(parsed, payload: payload, metrics: metrics),
                metrics: metrics)
        }
        let gatewayChanged = parsed.aiGateway != old.config.aiGateway
        let updated: Entry
        do {
            updated = try update(name, from: current) { e in
                e.payload = payload
                e.endpoint = endpoint
                e.configVersion += 1
                if gatewayChanged {
                    e.limiter = RateLimiter(limits: parsed.aiGateway.rateLimits)
                    e.fallback = nil
                }
                // In the same step as the payload: two PUTs cannot leave the split of one and the payload of the
                // other (the session serialises this with the dashboard's sliders).
                if sameEntities {
                    old.runtime.setWeights(parsed.weights)
                    old.runtime.setFallback(parsed.aiGateway.fallbackEnabled)
                }
            }
        } catch {
            // Another change won the race (or the endpoint was deleted): the runtime made here never served.
            if !sameEntities { await endpoint.runtime.close() }
            throw error
        }
        // The entry held `old` until the swap (its revision was unchanged), so `old` is closed once, here. The
        // fleet's change applied here does not wait for its requests: the replica's look goes on meanwhile.
        if !sameEntities {
            if publish {
                await old.runtime.close()
            } else {
                Task { await old.runtime.close() }
            }
        }
        if publish { published(updated) }
        return updated
    }

    private func published(_ e: Entry) {
        fleet.withLock({ $0 })?.publish(
            e.endpoint.name, payload: e.payload, weights: e.endpoint.runtime.weights.percentages)
    }

    /// `PUT …/{name}/ai-gateway`: fallback and rate limits apply from the next request; answers the block.
    public func updateAIGateway(_ name: String, _ body: JSONValue) throws(ServingError) -> JSONValue {
        guard body.objectValue != nil else { throw .invalid("the request body must be the ai_gateway object") }
        let current = try entry(name)
        var payload = current.payload
        payload["ai_gateway"] = body
        try applyGateway(current, payload: payload)
        return body
    }

    /// `PUT …/{name}/rate-limits` (the older API): `{"rate_limits": [...]}` in and out.
    public func updateRateLimits(_ name: String, _ body: JSONValue) throws(ServingError) -> JSONValue {
        guard let limits = body[key: "rate_limits"], limits.arrayValue != nil else {
            throw .invalid(
                "the request body must be {\"rate_limits\": "
                    + "[{\"calls\": 100, \"key\": \"endpoint\", \"renewal_period\": \"minute\"}]}"
            )
        }
        let current = try entry(name)
        var payload = current.payload
        payload["rate_limits"] = limits
        try applyGateway(current, payload: payload)
        return .object(JSONObject(["rate_limits": limits]))
    }

    /// `PATCH …/{name}/tags`: `{"add_tags": [{"key", "value"}], "delete_tags": ["key"]}` → `{"tags": [...]}`.
    public func patchTags(_ name: String, _ body: JSONValue) throws(ServingError) -> JSONValue {
        beginLocalChange(name)
        defer { endLocalChange(name) }
        let current = try entry(name)
        var tags = current.payload["tags"]?.arrayValue ?? []
        let deletions = body[key: "delete_tags"]?.arrayValue ?? []
        guard deletions.allSatisfy({ $0.stringValue != nil }) else {
            throw .invalid("delete_tags must be a list of tag keys")
        }
        tags.removeAll { tag in deletions.contains { $0.stringValue == tag[key: "key"]?.stringValue } }
        for (i, tag) in (body[key: "add_tags"]?.arrayValue ?? []).enumerated() {
            guard let key = tag[key: "key"]?.stringValue, !key.isEmpty else {
                throw .invalid("add_tags[\(i)].key is required: {\"key\": \"team\", \"value\": \"search\"}")
            }
            tags.removeAll { $0[key: "key"]?.stringValue == key }
            var clean = JSONObject(["key": .string(key)])
            if let value = tag[key: "value"]?.stringValue { clean["value"] = .string(value) }
            tags.append(.object(clean))
        }
        let updated = try update(name, from: current) { $0.payload["tags"] = .array(tags) }
        published(updated)
        return .object(JSONObject(["tags": updated.payload["tags"] ?? .array([])]))
    }

    /// Closes every endpoint (shutdown).
    public func closeAll() async {
        let all = entries.withLock { list -> [Entry] in
            defer { list.removeAll() }
            return list
        }
        for e in all { await e.endpoint.runtime.close() }
    }

    // MARK: - Helpers

    private func applyGateway(_ entry: Entry, payload: JSONObject) throws(ServingError) {
        beginLocalChange(entry.endpoint.name)
        defer { endLocalChange(entry.endpoint.name) }
        let parsed = try Self.validate(payload)
        try fleet.withLock({ $0 })?.check(payload)
        let current = entry.endpoint
        let updated = try update(current.name, from: entry) { e in
            e.payload = payload
            e.endpoint = Endpoint(
                name: current.name, config: parsed, runtime: current.runtime, metrics: current.metrics)
            e.limiter = RateLimiter(limits: parsed.aiGateway.rateLimits)
            e.fallback = nil
            current.runtime.setFallback(parsed.aiGateway.fallbackEnabled)
        }
        published(updated)
    }

    private func entry(_ name: String) throws(ServingError) -> Entry {
        guard let e = entries.withLock({ $0.first { $0.endpoint.name == name } }) else {
            throw .notFound(endpoint: name)
        }
        return e
    }

    /// Applies `change` to the entry named `name` only if it is still the one `read` was (same endpoint id, same
    /// revision): two concurrent PUTs, or a PUT racing a DELETE and a re-create, cannot overwrite each other's
    /// runtime. The loser gets a 409 and retries on the current state.
    private func update(_ name: String, from read: Entry, _ change: (inout Entry) -> Void) throws(ServingError) -> Entry
    {
        let now = Self.milliseconds()
        let result = entries.withLock { list -> Result<Entry, ServingError> in
            guard let i = list.firstIndex(where: { $0.endpoint.name == name }), list[i].id == read.id else {
                return .failure(.notFound(endpoint: name))
            }
            guard list[i].revision == read.revision else {
                return .failure(
                    ServingError(
                        status: 409, code: "RESOURCE_CONFLICT",
                        message: "endpoint '\(name)' was changed by another request meanwhile; read it again and retry")
                )
            }
            change(&list[i])
            list[i].updated = now
            list[i].revision += 1
            return .success(list[i])
        }
        return try result.get()
    }

    private func makeRuntime(
        _ config: EndpointConfig, payload: JSONObject,
        metrics: EndpointMetrics
    ) throws(ServingError) -> any EndpointRuntime {
        do {
            return try factory.make(
                config: config, configText: JSONValue.object(payload).rendered(pretty: true),
                metrics: metrics)
        } catch let error as ServingError {
            throw error
        } catch {
            throw .invalid("\(error)")
        }
    }

    static func validate(_ payload: JSONObject) throws(ServingError) -> EndpointConfig {
        let outcome = EndpointConfigReader.read(
            .object(payload), defaultName: payload["name"]?.stringValue ?? "endpoint")
        guard let config = outcome.config else { throw .config(outcome.issues) }
        return config
    }

    /// The endpoint as Databricks' `GET` returns it (`ServingEndpointDetailed`): secrets redacted, the split as it
    /// is now (the dashboard's sliders move it), always ready.
    func document(_ e: Entry) -> JSONValue {
        let config = e.endpoint.config
        let weights = e.endpoint.runtime.weights.percentages
        let submitted = e.payload["config"]?[key: "served_entities"]?.arrayValue ?? []
        let entities: [JSONValue] = submitted.map { value in
            guard var entity = ConfigRedaction.redact(value).objectValue else { return value }
            if var external = entity["external_model"]?.objectValue, external["provider"] == nil,
                let name = entity["name"]?.stringValue, let i = config.entityIndex(named: name)
            {
                external["provider"] = .string(config.servedEntities[i].provider.rawValue)
                entity["external_model"] = .object(external)
            }
            entity["state"] = ["deployment": "DEPLOYMENT_READY", "deployment_state_message": "served by abtop"]
            return .object(entity)
        }
        let routes: [JSONValue] = config.servedEntities.enumerated().map { i, entity in
            ["served_model_name": .string(entity.name), "traffic_percentage": .number(JSONNumber(weights[i]))]
        }
        var doc = JSONObject([
            "name": .string(e.endpoint.name),
            "id": .string(e.id),
            "creator": "abtop",
            "creation_timestamp": .number(JSONNumber(e.created)),
            "last_updated_timestamp": .number(JSONNumber(e.updated)),
            "state": ["ready": "READY", "config_update": "NOT_UPDATING"],
            "config": .object(
                JSONObject([
                    "served_entities": .array(entities),
                    "traffic_config": ["routes": .array(routes)],
                    "config_version": .number(JSONNumber(e.configVersion)),
                ])),
            "task": .string(config.task),
            "endpoint_type": "EXTERNAL_MODEL",
            "permission_level": "CAN_MANAGE",
            "route_optimized": .bool(e.payload["route_optimized"] == .bool(true)),
        ])
        if let tags = e.payload["tags"], tags.arrayValue?.isEmpty == false { doc["tags"] = tags }
        // abtop's own: the guarded rollout, every move it made.
        if let rollout = e.endpoint.runtime.rollout { doc["rollout"] = RolloutJSONView.state(rollout) }
        if let gateway = e.payload["ai_gateway"] { doc["ai_gateway"] = gateway }
        if let limits = e.payload["rate_limits"], limits.arrayValue?.isEmpty == false { doc["rate_limits"] = limits }
        return .object(doc)
    }

    static func milliseconds() -> Int { Int(Date().timeIntervalSince1970 * 1000) }

    static func newID() -> String {
        (0..<2).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16).leftPadded(to: 16) }.joined()
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
