import ABCore
import ABProviders
import Foundation
import Testing

/// Config files and request bodies written to break abtop (issue 11): each case crashed, hung or slipped through
/// before.
@Suite struct HostileInputTests {
    static func config(percentage: String, extra: String = "") -> String {
        """
        {"served_entities": [
          {"name": "a", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
             "openai_config": {"openai_api_key_plaintext": "sk-aaaaaaaaaa"\(extra)}}},
          {"name": "b", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat",
             "openai_config": {"openai_api_key_plaintext": "sk-bbbbbbbbbb"}}}],
         "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": \(percentage)},
                                       {"served_model_name": "b", "traffic_percentage": 50}]}}
        """
    }

    @Test(arguments: ["1e300", "\"1e300\"", "-1e300", "9.3e18", "-9.3e18", "1e19", "\"-9.3e18\"", "50.5e300"])
    func numbersOutsideIntAreRefusedWithTheirPath(_ literal: String) {
        let outcome = EndpointConfigReader.read(text: Self.config(percentage: literal), defaultName: "e")
        #expect(outcome.config == nil)
        let paths = outcome.issues.errors.map { "\($0.path)" }
        #expect(paths.contains("traffic_config.routes[0].traffic_percentage"), "\(outcome.issues)")
    }

    @Test func wholeNumbersStillGetTheirFix() {
        let outcome = EndpointConfigReader.read(text: Self.config(percentage: "50.5"), defaultName: "e")
        #expect(outcome.issues.errors.first?.fix == "write 50 or 51")
    }

    @Test func saturatingConversionNeverTraps() {
        #expect(Int(saturating: .nan) == 0)
        #expect(Int(saturating: .infinity) == .max)
        #expect(Int(saturating: -1e300) == .min)
        #expect(Int(saturating: 9.3e18) == .max)
        #expect(Int(saturating: -2.7) == -2)
    }

    @Test func numbersAreWrittenAsCanonicalJSON() throws {
        let v = try JSONParser.parse(#"{"a": 050, "b": -007.50, "c": 1E5, "d": 2.50, "e": 0}"#)
        let out = v.rendered()
        #expect(out == #"{"a":50,"b":-7.5,"c":1E5,"d":2.50,"e":0}"#)
        // What abtop writes, strict JSON readers take.
        #expect((try? JSONSerialization.jsonObject(with: Data(out.utf8))) != nil)
    }

    @Test func tenThousandEntitiesAreOneErrorNotTenThousand() {
        let entity =
            #"{"name": "e", "external_model": {"name": "m", "provider": "openai", "task": "llm/v1/chat", "openai_config": {}}}"#
        let text = #"{"served_entities": ["# + Array(repeating: entity, count: 10_000).joined(separator: ",") + "]}"
        let outcome = EndpointConfigReader.read(text: text, defaultName: "e")
        #expect(outcome.issues.errors.count == 1)
        #expect(outcome.issues.errors.first?.message.contains("at most 8") == true)
    }

    @Test func headerInjectionIsRefusedWithThePath() {
        let org = EndpointConfigReader.read(
            text: Self.config(percentage: "50", extra: #", "openai_organization": "org-1\r\nX-Evil: 1""#),
            defaultName: "e")
        #expect(
            org.issues.errors.map { "\($0.path)" }.contains(
                "served_entities[0].external_model.openai_config.openai_organization"))
        let custom = """
            {"served_entities": [{"name": "c", "external_model": {"name": "m", "provider": "custom", "task": "llm/v1/chat",
              "custom_provider_config": {"custom_provider_url": "http://127.0.0.1:9/v1",
                "api_key_auth": {"key": "x-api-key\\r\\nX-Evil: 1", "value_plaintext": "secret\\nX-Other: 2"}}}}]}
            """
        let outcome = EndpointConfigReader.read(text: custom, defaultName: "e")
        let paths = outcome.issues.errors.map { "\($0.path)" }
        #expect(
            paths.contains("served_entities[0].external_model.custom_provider_config.api_key_auth.key"),
            "\(outcome.issues)")
        #expect(paths.contains("served_entities[0].external_model.custom_provider_config.api_key_auth.value_plaintext"))
        #expect(!outcome.issues.description.contains("X-Other"), "the value must not be quoted")
        #expect(
            HTTPFieldSyntax.isToken("x-api-key") && !HTTPFieldSyntax.isToken("x api") && !HTTPFieldSyntax.isToken("a:b")
        )
    }

    @Test func aKeyFromTheEnvironmentWithALineBreakIsAnError() throws {
        let config = try #require(
            EndpointConfigReader.read(
                text: """
                    {"served_entities": [{"name": "a", "external_model": {"name": "m", "provider": "openai", "task": "llm/v1/chat", "openai_config": {}}}]}
                    """, defaultName: "e"
            ).config)
        let resolved = config.resolve(with: SecretResolver(environment: ["OPENAI_API_KEY": "sk-real\r\nX-Evil: 1"]))
        let issues = EndpointConfig.credentialIssues(resolved, severity: .warning)
        #expect(issues.hasErrors)
        #expect(!issues.description.contains("X-Evil"))
    }

    @Test func theRedactorRemovesKnownSecretsAndKeyShapes() {
        let secret = "my-very-private-value-42"
        SecretRedactor.register(secret)
        let text =
            "echo: Authorization: Bearer \(secret)\nx-api-key: abcdefgh12345 sk-proj-ABCDEFGHIJKLMNOPQRSTUV and AKIAABCDEFGHIJKLMNOP, task-manager"
        let out = SecretRedactor.redact(text)
        #expect(!out.contains(secret))
        #expect(!out.contains("abcdefgh12345"))
        #expect(!out.contains("sk-proj-ABCDEFGHIJKLMNOPQRSTUV"))
        #expect(!out.contains("AKIAABCDEFGHIJKLMNOP"))
        #expect(out.contains("task-manager"), "ordinary words stay: \(out)")
        #expect(SecretRedactor.redact("nothing to see") == "nothing to see")
    }

    @Test func aSecretSplitAcrossStreamChunksIsHeldBackAndRedacted() {
        let secret = "stream-secret-value-7781"
        SecretRedactor.register(secret)
        var stream = SecretRedactor.Stream()
        var out = ""
        for chunk in ["Here: stream-se", "cret-val", "ue-7781 and more", " text"] { out += stream.push(chunk) }
        out += stream.finish()
        #expect(!out.contains(secret))
        #expect(out.hasPrefix("Here: ") && out.hasSuffix(" and more text"))
    }

    @Test func aKnownKeySplitWhereItsStartLooksLikeAKeyShapeStillHoldsBack() {
        let key = "sk-ant-api03-" + String(repeating: "Qw9", count: 30)
        SecretRedactor.register(key)
        let cut = key.index(key.startIndex, offsetBy: 40)
        var stream = SecretRedactor.Stream()
        var out = stream.push("token: " + String(key[..<cut]))
        out += stream.push(String(key[cut...]) + " end")
        out += stream.finish()
        #expect(!out.contains(String(key[cut...]).prefix(20)), "the key's tail went out: \(out)")
        #expect(out.hasPrefix("token: ") && out.hasSuffix(" end"))
    }

    @Test func ordinaryProseIsNotRedacted() {
        for text in [
            "Authorization: this step checks who you are, then", "Holders of bearer securities are paid",
            "Send Bearer YOUR_API_KEY in the header",
        ] {
            #expect(SecretRedactor.redact(text) == text)
        }
    }

    @Test func terminalTextShowsEscapesInsteadOfRunningThem() {
        let hostile = "title\u{1B}]0;pwned\u{07} clear\u{1B}[2J back\rover \u{9B}31m \u{202E}txt.exe\nnext\tline"
        let safe = TerminalText.sanitized(hostile)
        #expect(
            !safe.unicodeScalars.contains {
                $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x0D || $0.value == 0x9B || $0.value == 0x202E
            })
        #expect(safe.contains("␛]0;pwned␇") && safe.contains("\nnext\tline"))
    }
}
