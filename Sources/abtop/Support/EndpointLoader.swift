import ABCore
import Foundation

/// Reads an endpoint config file and its secrets from disk and the process environment: the IO around
/// ABCore's pure reader, shared by every command that takes a CONFIG.
struct EndpointLoader {
    struct Loaded {
        let path: String
        /// The file's text, for the journal (redacted there).
        let text: String
        let outcome: EndpointConfigReader.Outcome
        let resolved: [ResolvedEntity]
    }

    /// A problem with an input file itself (missing, unreadable); exit code 1.
    struct InputError: Error, CustomStringConvertible {
        let description: String
    }

    var environment = ProcessInfo.processInfo.environment

    /// Loads `path`; the endpoint name defaults to `name`, else the file name without its extension.
    func load(path: String, name: String?, secretsPath: String?) throws -> Loaded {
        let text = try read(path, what: "config file")
        let defaultName = name ?? Self.endpointName(fromFile: path)
        var outcome = EndpointConfigReader.read(text: text, defaultName: defaultName)
        if let file = outcome.config?.settings.judge?.rubricFile {
            outcome.config?.settings.judge?.rubric = try rubric(file, besides: path)
        }
        let resolver = try resolver(secretsPath: secretsPath)
        let resolved = outcome.config?.resolve(with: resolver) ?? []
        return Loaded(path: path, text: text, outcome: outcome, resolved: resolved)
    }

    /// Where secrets are looked up: the `--secrets` file if given, then the environment.
    func resolver(secretsPath: String?) throws -> SecretResolver {
        var secretsFile: SecretsFile?
        if let secretsPath {
            switch SecretsFile.parse(try read(secretsPath, what: "secrets file"), path: secretsPath) {
            case .success(let file): secretsFile = file
            case .failure(let issues): throw InputError(description: issues.description)
            }
        }
        return SecretResolver(secretsFile: secretsFile, environment: environment)
    }

    /// A bare config's endpoint name from its file: the stem, with anything but letters, digits, `-`, `_` as `-`.
    static func endpointName(fromFile path: String) -> String {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let cleaned = String(stem.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "-" })
        return cleaned.isEmpty ? "endpoint" : String(cleaned.prefix(63))
    }

    /// `abtop.judge.rubric_file`, relative to the config file's folder, checked like an inline rubric.
    private func rubric(_ file: String, besides config: String) throws -> String {
        let path =
            file.hasPrefix("/")
            ? file : URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent(file).path
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= EndpointConfigReader.maxRubricBytes else {
            throw InputError(
                description: "error: abtop.judge.rubric_file \(path) is longer than "
                    + "\(EndpointConfigReader.maxRubricBytes / 1024) KiB")
        }
        let text = try read(path, what: "abtop.judge.rubric_file")
        if let problem = EndpointConfigReader.rubricProblem(text) {
            throw InputError(description: "error: abtop.judge.rubric_file \(path): \(problem)")
        }
        return text
    }

    private func read(_ path: String, what: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError(description: "error: \(what) \(path) does not exist")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(description: "error: cannot read \(what) \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(description: "error: \(what) \(path) is not UTF-8 text")
        }
        return text
    }
}
