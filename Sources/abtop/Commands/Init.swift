import ABCore
import ABProviders
import ArgumentParser
import Foundation

/// `abtop init`: writes a Databricks-shaped endpoint config from a few answers (or `--entity` flags): each model a
/// served entity with its key as a `{{secrets/…}}` reference (never a key itself), a split that adds up to 100,
/// checked by the same reader `validate` uses before anything is written.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a new endpoint config: providers, models and a split, keys as {{secrets/…}} references.",
        discussion: """
            Without --entity it asks, in the terminal. Each --entity is PROVIDER:MODEL, optionally =PERCENT \
            (e.g. --entity openai:gpt-4o-mini=50 --entity anthropic:claude-3-5-haiku-20241022=50); without \
            percentages the split is even. Providers: \(Init.providers.joined(separator: ", ")).
            """)

    @Option(name: [.short, .customLong("output")], help: "Where to write the config.")
    var output = "endpoint.json"

    @Option(help: "The endpoint's name (default: the output file's name).")
    var name: String?

    @Option(help: "A served entity: PROVIDER:MODEL[=PERCENT] (repeat for each).")
    var entity: [String] = []

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    /// The providers abtop sends to, as the provider layer registers them.
    static var providers: [String] { ProviderCatalog.standard.supported.map(\.id.rawValue) }

    /// One served entity as asked for.
    struct Spec: Equatable {
        var provider: String
        var model: String
        var percent: Int?
    }

    static func parse(_ text: String) throws -> Spec {
        guard let colon = text.firstIndex(of: ":") else {
            throw ValidationError("--entity takes PROVIDER:MODEL[=PERCENT]; found \(Excerpt.of(text))")
        }
        let provider = String(text[..<colon]).lowercased()
        var model = String(text[text.index(after: colon)...])
        var percent: Int?
        if let eq = model.lastIndex(of: "=") {
            guard let p = Int(model[model.index(after: eq)...]), (0...100).contains(p) else {
                throw ValidationError("--entity \(Excerpt.of(text)): the percentage after = must be 0…100")
            }
            percent = p
            model = String(model[..<eq])
        }
        guard providers.contains(provider) else {
            let guess = EditDistance.suggestion(for: provider, among: providers).map { " (did you mean \($0)?)" } ?? ""
            throw ValidationError(
                "unknown provider \(Excerpt.of(provider))\(guess); one of \(providers.joined(separator: ", "))")
        }
        guard !model.isEmpty else { throw ValidationError("--entity \(Excerpt.of(text)): no model name") }
        return Spec(provider: provider, model: model, percent: percent)
    }

    /// The provider's config block (its descriptor's template), its credentials as references under a scope
    /// named after the provider; and the fields that are placeholders, if any.
    static func providerBlock(_ provider: String) -> (key: String, value: JSONValue, placeholders: String?) {
        let descriptor = ProviderCatalog.standard[Provider(rawValue: provider)]!
        let template = descriptor.template(secretScope: provider.replacingOccurrences(of: "-", with: "_"))
        return (descriptor.configBlock, .object(template.block), template.placeholders)
    }

    /// The create payload for `specs`: names from the models (made unique), an even split where none was given.
    static func payload(name: String, specs: [Spec]) throws -> JSONValue {
        guard !specs.isEmpty else { throw ValidationError("give at least one --entity PROVIDER:MODEL") }
        var names: [String] = []
        for spec in specs {
            var base = String(
                spec.model.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "-" }
                    .prefix(50))
            if base.isEmpty { base = "entity" }
            var candidate = base
            var n = 2
            while names.contains(candidate) {
                candidate = "\(base)-\(n)"
                n += 1
            }
            names.append(candidate)
        }
        let given = specs.compactMap(\.percent)
        let weights: [Int]
        if given.count == specs.count {
            guard given.reduce(0, +) == 100 else {
                throw ValidationError("the percentages add up to \(given.reduce(0, +)), not 100")
            }
            weights = given
        } else if given.isEmpty {
            weights = Weights.even(count: specs.count).percentages
        } else {
            throw ValidationError("give a percentage for every --entity, or for none (an even split)")
        }
        let entities: [JSONValue] = zip(names, specs).map { name, spec in
            let block = providerBlock(spec.provider)
            return [
                "name": .string(name),
                "external_model": .object(
                    JSONObject([
                        .init(key: "name", value: .string(spec.model)),
                        .init(key: "provider", value: .string(spec.provider)),
                        .init(key: "task", value: "llm/v1/chat"), .init(key: block.key, value: block.value),
                    ])),
            ]
        }
        let routes: [JSONValue] = zip(names, weights).map { name, w in
            ["served_model_name": .string(name), "traffic_percentage": .number(JSONNumber(w))]
        }
        return [
            "name": .string(name),
            "config": ["served_entities": .array(entities), "traffic_config": ["routes": .array(routes)]],
        ]
    }

    func run() throws {
        var specs = try entity.map(Self.parse)
        if specs.isEmpty {
            guard isatty(STDIN_FILENO) != 0 else {
                throw ValidationError("give --entity PROVIDER:MODEL[=PERCENT] (no terminal to ask in)")
            }
            specs = try Self.ask()
        }
        if FileManager.default.fileExists(atPath: output), !force {
            Console.err("abtop init: \(output) exists: give --force to replace it, or -o another file")
            throw ExitCode(1)
        }
        let endpoint = name ?? EndpointLoader.endpointName(fromFile: output)
        let payload = try Self.payload(name: endpoint, specs: specs)
        let outcome = EndpointConfigReader.read(payload, defaultName: endpoint)
        guard outcome.config != nil else {
            Console.err(outcome.issues.description)
            throw ExitCode(1)
        }
        try (payload.rendered(pretty: true) + "\n").write(toFile: output, atomically: true, encoding: .utf8)
        let variables = Set(
            specs.flatMap { spec -> [String] in
                let scope = spec.provider.replacingOccurrences(of: "-", with: "_")
                return Self.keyNames(spec.provider).map {
                    SecretReference(scope: scope, key: $0).environmentVariable
                }
            }
        ).sorted()
        // Blocks whose settings no one can guess: say which to fill in before the first run.
        for provider in Set(specs.map(\.provider)).sorted() {
            if let fields = Self.providerBlock(provider).placeholders {
                Console.out("edit \(output): \(provider)'s \(fields) are placeholders")
            }
        }
        Console.out(
            """
            wrote \(output): \(specs.count) served entit\(specs.count == 1 ? "y" : "ies"), split \
            \(Weights(payload[key: "config"]?[key: "traffic_config"]?[key: "routes"]?.arrayValue?.compactMap {
                $0[key: "traffic_percentage"]?.intValue } ?? [])?.description ?? "?")
            next: set the keys (or keep them in a --secrets file):
            \(variables.map { "  export \($0)=…" }.joined(separator: "\n"))
              abtop validate \(output)
              abtop run \(output)
            """)
    }

    /// The secret keys a provider's block references.
    static func keyNames(_ provider: String) -> [String] {
        switch providerBlock(provider).value {
        case .object(let o):
            return o.members.flatMap { m -> [String] in
                if case .string(let s) = m.value, let ref = SecretReference(parsing: s) { return [ref.key] }
                if case .object(let inner) = m.value {
                    return inner.members.compactMap {
                        $0.value.stringValue.flatMap(SecretReference.init(parsing:))?.key
                    }
                }
                return []
            }
        default: return []
        }
    }

    /// Asks for the entities in the terminal.
    static func ask() throws -> [Spec] {
        var specs: [Spec] = []
        Console.out("providers: \(providers.joined(separator: ", "))")
        while true {
            print("provider \(specs.count + 1) (enter to finish): ", terminator: "")
            guard let provider = readLine()?.trimmingCharacters(in: .whitespaces), !provider.isEmpty else { break }
            print("model: ", terminator: "")
            let model = readLine()?.trimmingCharacters(in: .whitespaces) ?? ""
            print("traffic % (enter for an even split): ", terminator: "")
            let percent = readLine()?.trimmingCharacters(in: .whitespaces) ?? ""
            do {
                specs.append(try parse("\(provider):\(model)" + (percent.isEmpty ? "" : "=\(percent)")))
            } catch {
                Console.err("\(error)")
            }
        }
        return specs
    }
}
