import Foundation

extension EndpointConfigReader {
    static let judgeKeys = [
        "name", "external_model", "rubric", "rubric_file", "sample", "max_tokens", "temperature", "base_url",
        "max_answer_chars",
    ]
    /// The longest rubric taken (it is sent with every judged pair).
    public static let maxRubricBytes = 16 * 1024

    /// `abtop.judge`: the judge model, read as a served entity is, and how it judges.
    static func readJudge(
        _ value: JSONValue, at path: ConfigPath, entities: [ServedEntity], declared: [String],
        providers: ProviderCatalog, issues: inout ConfigIssues
    ) -> JudgeSettings? {
        guard let block = ObjectReader(value, at: path, known: judgeKeys, issues: &issues) else { return nil }
        block.finish(issues: &issues)
        let errorsBefore = issues.errorCount
        // The model is read by the served entities' own reader, so it takes every provider they take.
        var model = JSONObject()
        for key in EndpointConfigReader.entityKeys {
            if let v = block.value(key) { model.members.append(.init(key: key, value: v)) }
        }
        if !block.has("name") { model.members.append(.init(key: "name", value: .string("judge"))) }
        let entity = readEntity(.object(model), at: path, providers: providers, issues: &issues)
        if let entity {
            if entity.task != EndpointTask.chat.rawValue {
                issues.error(
                    path.key("external_model").key("task"),
                    "the judge reads two answers and writes a verdict: its task is llm/v1/chat, not \(entity.task)",
                    fix: "set \"task\": \"llm/v1/chat\" and name a chat model")
            }
            if (entities.map(\.name) + declared).contains(entity.name) {
                issues.error(
                    path.key("name"), "the judge's name \"\(entity.name)\" is a served entity's",
                    fix: "give the judge a name of its own, e.g. \"judge\"")
            }
        }
        if entities.first?.task == EndpointTask.embeddings.rawValue {
            issues.error(
                path, "an embeddings endpoint answers with vectors: there is nothing for a judge to read",
                fix: "remove \"judge\", or judge a chat endpoint")
        }
        var settings = entity.map(JudgeSettings.init)
        let rubric = block.string("rubric", issues: &issues)
        let rubricFile = block.string("rubric_file", issues: &issues)
        if rubric != nil && rubricFile != nil {
            issues.error(path.key("rubric_file"), "both rubric and rubric_file are set", fix: "keep one of them")
        }
        if let rubric, let problem = rubricProblem(rubric) {
            issues.error(path.key("rubric"), problem, fix: "write what a better answer does, in a few sentences")
        }
        if let rubricFile, rubricFile.isEmpty {
            issues.error(path.key("rubric_file"), "an empty path", fix: "name a text file holding the rubric")
        }
        let sample = block.number("sample", in: 0...1, issues: &issues)
        if sample == 0 {
            issues.error(
                path.key("sample"), "a sample of 0 judges nothing", fix: "e.g. 0.1 judges one prompt in ten")
        }
        let maxTokens = block.integer("max_tokens", in: 1...100_000, issues: &issues)
        let temperature = block.number("temperature", in: 0...2, issues: &issues)
        let maxAnswer = block.integer("max_answer_chars", in: 100...1_000_000, issues: &issues)
        let baseURL = block.string("base_url", issues: &issues)
        if let baseURL, !isHTTPURL(baseURL) {
            issues.error(
                path.key("base_url"), "expected an http(s) URL, found \"\(baseURL)\"",
                fix: "e.g. \"http://127.0.0.1:8081/v1\": the root the provider's own SDK takes")
        }
        guard issues.errorCount == errorsBefore else { return nil }
        settings?.rubric = rubric
        settings?.rubricFile = rubricFile
        settings?.sample = sample ?? 1
        settings?.maxTokens = maxTokens ?? 512
        settings?.temperature = temperature ?? 0
        settings?.maxAnswerCharacters = maxAnswer ?? 8000
        settings?.baseURL = baseURL
        return settings
    }

    /// Why a rubric cannot be used, or nil: empty, too long, or holding control characters (it is sent as is).
    public static func rubricProblem(_ rubric: String) -> String? {
        if rubric.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "the rubric is empty" }
        if rubric.utf8.count > maxRubricBytes {
            return "the rubric is longer than \(maxRubricBytes / 1024) KiB"
        }
        if rubric.unicodeScalars.contains(where: TerminalText.isUnsafe) {
            return "the rubric holds control characters"
        }
        return nil
    }
}
