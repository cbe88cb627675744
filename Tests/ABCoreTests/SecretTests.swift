import ABCore
import Foundation
import Testing

@Suite struct SecretTests {
    let key = "sk-test-THIS-MUST-NEVER-PRINT-1234"

    @Test func secretValueNeverPrintsItself() throws {
        let secret = SecretValue(key)
        #expect(!"\(secret)".contains(key))
        #expect(!String(describing: secret).contains(key))
        #expect(!String(reflecting: secret).contains(key))
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains(key))
        struct Holder: Encodable { let apiKey: SecretValue }
        let json = String(decoding: try JSONEncoder().encode(Holder(apiKey: secret)), as: UTF8.self)
        #expect(!json.contains(key))
        #expect(json.contains(SecretValue.redacted))
        #expect(secret.exposedForTransport() == key)
    }

    @Test func referenceParsingAndEnvironmentName() throws {
        let ref = try #require(SecretReference(parsing: "{{secrets/my_openai_secret_scope/openai_api_key}}"))
        #expect(ref.scope == "my_openai_secret_scope" && ref.key == "openai_api_key")
        #expect(ref.environmentVariable == "ABTOP_SECRET_MY_OPENAI_SECRET_SCOPE_OPENAI_API_KEY")
        #expect(SecretReference(scope: "team.a", key: "key-1").environmentVariable == "ABTOP_SECRET_TEAM_A_KEY_1")
        #expect(SecretReference(parsing: "sk-abc") == nil)
        #expect(SecretReference(parsing: "{{secrets/only-scope}}") == nil)
        #expect(SecretReference(parsing: "{{vault/a/b}}") == nil)
    }

    @Test func resolutionOrderIsFileThenAbtopVariableThenConventional() throws {
        let ref = SecretReference(scope: "s", key: "k")
        let credential = Credential(
            source: .reference(ref), field: ConfigPath().key("openai_api_key"),
            conventionalVariables: ["OPENAI_API_KEY"])
        let file = SecretsFile(path: "secrets.json", values: ["s/k": SecretValue("from-file")])
        let env = ["ABTOP_SECRET_S_K": "from-abtop-var", "OPENAI_API_KEY": "from-conventional"]

        let all = SecretResolver(secretsFile: file, environment: env).resolve(credential)
        #expect(all == .found(SecretValue("from-file"), .secretsFile(path: "secrets.json", key: "s/k")))
        let noFile = SecretResolver(environment: env).resolve(credential)
        #expect(noFile == .found(SecretValue("from-abtop-var"), .environment(variable: "ABTOP_SECRET_S_K")))
        let onlyConventional = SecretResolver(environment: ["OPENAI_API_KEY": "from-conventional"]).resolve(credential)
        #expect(onlyConventional == .found(SecretValue("from-conventional"), .environment(variable: "OPENAI_API_KEY")))
        let none = SecretResolver(secretsFile: SecretsFile(path: "x.json", values: [:]), environment: [:]).resolve(
            credential)
        #expect(none == .missing(tried: ["secrets file x.json [s/k]", "$ABTOP_SECRET_S_K", "$OPENAI_API_KEY"]))
    }

    @Test func plaintextResolvesWithoutLookingAnywhere() {
        let credential = Credential(
            source: .plaintext(SecretValue(key)), field: ConfigPath().key("x_plaintext"),
            conventionalVariables: ["OPENAI_API_KEY"])
        let r = SecretResolver(environment: ["OPENAI_API_KEY": "other"]).resolve(credential)
        #expect(r.value?.exposedForTransport() == key)
    }

    @Test func secretsFileAcceptsFlatAndNestedForms() throws {
        let file = try SecretsFile.parse(#"{"a/b": "1", "scope": {"key": "2"}}"#, path: "f").get()
        #expect(file.values["a/b"]?.exposedForTransport() == "1")
        #expect(file.values["scope/key"]?.exposedForTransport() == "2")
    }

    @Test func secretsFileErrorsNeverQuoteValues() {
        let result = SecretsFile.parse(#"{"nokey": "\#(key)", "s": {"k": 5}}"#, path: "f")
        guard case .failure(let issues) = result else {
            Issue.record("accepted a malformed secrets file")
            return
        }
        #expect(issues.errors.count == 2)
        #expect(!issues.description.contains(key))
    }
}
