/// An LLM that judges which of two answers to the same prompt is better (`abtop.judge`): a model of the same shape
/// as a served entity, the rubric it judges by, and how much traffic it reads. Its calls are accounted apart from
/// the arms' and never enter their statistics.
public struct JudgeSettings: Sendable, Equatable {
    /// The judge, written like a served entity (`name` defaults to "judge"; any provider abtop speaks).
    public var entity: ServedEntity
    /// What "better" means. The user's text (or file, read by the caller), else `JudgePrompt.defaultRubric`.
    public var rubric: String?
    /// `rubric_file` as written: the caller reads it (ABCore does no IO) into `rubric`.
    public var rubricFile: String?
    /// The fraction of compare-mode prompts (or of serve's answered requests) that are judged, in (0, 1].
    public var sample = 1.0
    /// The judge's own request settings: it answers with a short verdict, deterministically if it can.
    public var maxTokens = 512
    public var temperature = 0.0
    /// Each answer the judge reads is cut to this many characters (the judge's bill and context stay bounded).
    public var maxAnswerCharacters = 8000
    /// `base_url`: the judge's provider root, as for a served entity.
    public var baseURL: String?

    public init(entity: ServedEntity) { self.entity = entity }

    /// The rubric the judge is given.
    public var rubricText: String { rubric ?? JudgePrompt.defaultRubric }
}

extension EndpointConfig {
    /// The endpoint the judge's calls go through, apart from the served one: the served entities (serve judges an
    /// answer against a fresh answer from another arm) and the judge last, with its own request settings. Its
    /// statistics are the judging's cost, never the arms'. Nil without a judge.
    public func judging() -> EndpointConfig? {
        guard let judge = settings.judge else { return nil }
        var config = self
        config.name = name + "-judge"
        config.servedEntities = servedEntities + [judge.entity]
        // The judge takes no share of a split: every call to it is addressed.
        config.weights = Weights((0..<servedEntities.count).map { $0 == 0 ? 100 : 0 } + [0])!
        config.aiGateway = AIGatewayConfig()
        config.settings.judge = nil
        config.settings.sticky = false
        var arm = AbtopSettings.EntitySettings()
        arm.maxTokens = judge.maxTokens
        arm.temperature = judge.temperature
        config.settings.entities[judge.entity.name] = arm
        return config
    }
}
