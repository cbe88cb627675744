import ABCore

/// A rollout's state as serve's API and `GET …/{name}` show it.
enum RolloutJSONView {
    static func state(_ s: RolloutState) -> JSONValue {
        let margins = Dictionary(s.plan.guardrails.map { ($0.metric, $0.margin) }, uniquingKeysWith: { a, _ in a })
        return [
            "phase": .string(s.phase.rawValue), "step": .number(JSONNumber(s.step)),
            "percentage": .number(JSONNumber(s.percentage)),
            "pause_cause": s.pauseCause.map { .string($0.rawValue) } ?? .null,
            "step_started_at": .number(JSONNumber(s.stepStartedAt)),
            "step_requests": .number(JSONNumber(s.stepRequests)), "plan": s.plan.json,
            "guardrails": .array(
                s.readings.map { r in
                    [
                        "metric": .string(r.metric.rawValue), "margin": .number(JSONNumber(margins[r.metric] ?? 0)),
                        "state": .string(r.state.rawValue), "text": .string(r.text),
                    ]
                }),
            "moves": .array(
                s.moves.map { m in
                    [
                        "kind": .string(m.kind.rawValue), "at": .number(JSONNumber(m.at)),
                        "step": .number(JSONNumber(m.step)), "percentage": .number(JSONNumber(m.percentage)),
                        "reason": .string(m.reason),
                    ]
                }),
        ]
    }
}
