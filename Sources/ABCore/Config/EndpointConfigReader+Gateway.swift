extension EndpointConfigReader {
    static let gatewayKeys = [
        "fallback_config", "rate_limits", "usage_tracking_config", "inference_table_config",
        "guardrails",
    ]

    /// `ai_gateway`, by Databricks' names. Fallback and rate limits act; the rest is accepted and reported.
    static func readGateway(_ value: JSONValue, at path: ConfigPath, issues: inout ConfigIssues) -> AIGatewayConfig {
        var gateway = AIGatewayConfig()
        guard let block = ObjectReader(value, at: path, known: gatewayKeys, issues: &issues) else { return gateway }
        block.finish(issues: &issues)
        gateway.fallbackEnabled = enabledFlag(block, "fallback_config", known: ["enabled"], issues: &issues) ?? false
        gateway.usageTrackingEnabled =
            enabledFlag(block, "usage_tracking_config", known: ["enabled"], issues: &issues) ?? false
        gateway.inferenceTableEnabled =
            enabledFlag(
                block, "inference_table_config",
                known: ["enabled", "catalog_name", "schema_name", "table_name_prefix"], issues: &issues) ?? false
        if gateway.inferenceTableEnabled {
            issues.warning(
                path.key("inference_table_config"), "abtop writes no Unity Catalog tables; requests go to its journal",
                fix: "read them with abtop sessions / abtop report")
        }
        if block.has("guardrails") {
            issues.warning(path.key("guardrails"), "guardrails are not applied by abtop; ignored")
        }
        if let limits = block.array("rate_limits", issues: &issues) {
            gateway.rateLimits = readRateLimits(limits, at: path.key("rate_limits"), issues: &issues)
        }
        return gateway
    }

    /// `{"enabled": bool, …}` blocks; `enabled` is required when the block is there.
    private static func enabledFlag(
        _ parent: ObjectReader, _ key: String, known: [String],
        issues: inout ConfigIssues
    ) -> Bool? {
        guard let block = parent.object(key, known: known, issues: &issues) else { return nil }
        block.finish(issues: &issues)
        guard block.has("enabled") else {
            issues.error(block.path.key("enabled"), "missing required key \"enabled\"", fix: "add \"enabled\": true")
            return nil
        }
        return block.bool("enabled", issues: &issues)
    }

    static func readRateLimits(
        _ values: [JSONValue], at path: ConfigPath,
        issues: inout ConfigIssues
    ) -> [AIGatewayConfig.RateLimit] {
        var limits: [AIGatewayConfig.RateLimit] = []
        for (i, value) in values.enumerated() {
            guard
                let r = ObjectReader(
                    value, at: path.index(i),
                    known: ["calls", "tokens", "key", "principal", "renewal_period"],
                    issues: &issues)
            else { continue }
            r.finish(issues: &issues)
            let calls = r.integer("calls", in: 0...Int(Int32.max), issues: &issues)
            let tokens = r.integer("tokens", in: 0...Int(Int32.max), issues: &issues)
            if !r.has("calls") && !r.has("tokens") {
                issues.error(
                    path.index(i), "a rate limit needs \"calls\" or \"tokens\"", fix: "add \"calls\": 100 (per minute)")
            }
            var key = AIGatewayConfig.RateLimit.Key.user
            if let raw = r.string("key", issues: &issues) {
                if let k = AIGatewayConfig.RateLimit.Key(rawValue: raw) {
                    key = k
                } else {
                    issues.error(
                        path.index(i).key("key"), "unknown rate-limit key \"\(raw)\"",
                        fix:
                            "allowed: \(AIGatewayConfig.RateLimit.Key.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
            }
            if key == .userGroup || key == .servicePrincipal, !r.has("principal") {
                issues.error(
                    path.index(i).key("principal"), "a \(key.rawValue) limit names its principal",
                    fix: "add \"principal\": \"<name>\"")
            }
            if let period = r.string(
                "renewal_period", issues: &issues, missingFix: "add \"renewal_period\": \"minute\""),
                period != "minute"
            {
                issues.error(
                    path.index(i).key("renewal_period"), "unknown renewal period \"\(period)\"", fix: "allowed: minute")
            }
            limits.append(
                .init(
                    calls: calls, tokens: tokens, key: key, principal: r.string("principal", issues: &issues),
                    renewalPeriodSeconds: 60))
        }
        return limits
    }
}
