import Testing

@testable import ABCore

/// The redactor's one-pass matcher and its leases (issue 23, items 1–2): it finds exactly what a brute-force scan
/// finds, a stream cut anywhere redacts exactly what the whole text would, and only what an accepted config resolves
/// is held.
@Suite struct RedactorTests {
    /// A seeded generator, so a failure names a case that can be run again.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func word(_ length: Int, _ alphabet: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
    }

    /// The union of every occurrence of every pattern, and the longest suffix that is a proper prefix of one.
    static func bruteForce(_ text: [UInt8], _ patterns: [[UInt8]]) -> (matches: [Range<Int>], hold: Int) {
        var covered = [Bool](repeating: false, count: text.count)
        for p in patterns where p.count <= text.count {
            for i in 0...(text.count - p.count) where text[i..<(i + p.count)].elementsEqual(p) {
                for j in i..<(i + p.count) { covered[j] = true }
            }
        }
        var matches: [Range<Int>] = []
        var i = 0
        while i < text.count {
            guard covered[i] else {
                i += 1
                continue
            }
            var j = i
            while j < text.count, covered[j] { j += 1 }
            matches.append(i..<j)
            i = j
        }
        var hold = 0
        for p in patterns {
            for n in stride(from: min(p.count - 1, text.count), to: 0, by: -1)
            where n > hold && text.suffix(n).elementsEqual(p.prefix(n)) {
                hold = n
                break
            }
        }
        return (matches, hold)
    }

    /// Adjacent occurrences are one range for the brute force; the automaton may give them as two.
    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in ranges {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    @Test func theAutomatonFindsWhatABruteForceScanFinds() {
        var rng = SplitMix(state: 23)
        let alphabet = Array("abc".utf8)
        for _ in 0..<2_000 {
            let patterns = (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                Self.word(Int.random(in: 1...5, using: &rng), alphabet, &rng)
            }
            let text = Self.word(Int.random(in: 0...30, using: &rng), alphabet, &rng)
            let automaton = SecretAutomaton(patterns: patterns)
            let found = text.withUnsafeBufferPointer { automaton.scan($0) }
            let expected = Self.bruteForce(text, patterns)
            #expect(
                Self.merged(found.matches) == expected.matches,
                "patterns \(patterns.map { String(decoding: $0, as: UTF8.self) }) in \(String(decoding: text, as: UTF8.self))"
            )
            #expect(found.hold == expected.hold)
        }
    }

    /// Known values only (an alphabet with no key shape in it): however a text is cut into chunks, the stream gives
    /// what redacting the whole text gives.
    @Test func aStreamCutAnywhereRedactsWhatTheWholeTextWould() {
        var rng = SplitMix(state: 7)
        let alphabet = Array("xyz".utf8)
        let secrets = (0..<4).map { _ in String(decoding: Self.word(9, alphabet, &rng), as: UTF8.self) }
        let lease = try! SecretRedactor.hold(secrets)
        defer { lease.release() }
        for _ in 0..<500 {
            var text = ""
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                text +=
                    Bool.random(using: &rng)
                    ? secrets.randomElement(using: &rng)!
                    : String(decoding: Self.word(5, alphabet, &rng), as: UTF8.self)
            }
            var stream = SecretRedactor.Stream()
            var out = ""
            var rest = Substring(text)
            while !rest.isEmpty {
                let n = Int.random(in: 1...max(1, rest.count), using: &rng)
                out += stream.push(String(rest.prefix(n)))
                rest = rest.dropFirst(n)
            }
            out += stream.finish()
            #expect(out == SecretRedactor.redact(text), "\(text)")
            for s in secrets { #expect(!out.contains(s)) }
        }
    }

    /// A text whose end could begin a key shape waits for the next chunk: `sk-` and the rest of an OpenAI-shaped key
    /// arriving in two chunks are redacted together.
    @Test func aKeyShapeSplitAcrossChunksIsHeldBack() {
        var stream = SecretRedactor.Stream()
        var out = stream.push("the key is sk-proj-ABCD")
        out += stream.push("EFGHIJKLMNOPQRSTUV, done")
        out += stream.finish()
        #expect(out == "the key is ‹redacted›, done")
    }

    /// Reading a config registers nothing: a refused one never reaches the table, an accepted one only while a
    /// lease holds its keys.
    @Test func onlyALeaseRegistersAndReleasingForgets() throws {
        let key = "plain-refused-key-value-0451"
        let refused = EndpointConfigReader.read(
            text: """
                {"served_entities": [{"name": "a", "external_model": {"name": "m", "provider": "openai",
                  "task": "llm/v1/chat", "openai_config": {"openai_api_key_plaintext": "\(key)"}, "bogus": 1}}]}
                """, defaultName: "x")
        #expect(refused.config == nil)
        #expect(SecretRedactor.redact("echo \(key)") == "echo \(key)", "a refused config registered its key")

        let accepted = try #require(
            EndpointConfigReader.read(
                text: """
                    {"served_entities": [{"name": "a", "external_model": {"name": "m", "provider": "openai",
                      "task": "llm/v1/chat", "openai_config": {"openai_api_key_plaintext": "\(key)"}}}]}
                    """, defaultName: "x"
            ).config)
        let resolved = accepted.resolve(with: SecretResolver(environment: [:]))
        #expect(SecretRedactor.redact("echo \(key)") == "echo \(key)")
        let lease = try resolved.holdSecrets()
        #expect(SecretRedactor.redact("echo \(key)") == "echo ‹redacted›")
        lease.release()
        #expect(SecretRedactor.redact("echo \(key)") == "echo \(key)", "a released key is still held")
    }

    @Test func aCredentialLongerThanTheRedactorHoldsIsRefusedWithoutQuotingIt() throws {
        let key = "k" + String(repeating: "0123456789", count: SecretRedactor.maximumLength / 10 + 1)
        let config = try #require(
            EndpointConfigReader.read(
                text: """
                    {"served_entities": [{"name": "a", "external_model": {"name": "m", "provider": "openai",
                      "task": "llm/v1/chat", "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}}]}
                    """, defaultName: "x"
            ).config)
        let resolved = config.resolve(with: SecretResolver(environment: ["ABTOP_SECRET_S_K": key]))
        let issues = EndpointConfig.credentialIssues(resolved, severity: .error)
        #expect(issues.hasErrors)
        #expect(issues.description.contains("longer than 16 KiB"))
        #expect(!issues.description.contains("0123456789"))
    }
}

/// Fills the redactor's table, so it runs apart from every test that registers a key (`make test`'s serial step).
@Suite(.serialized) struct RedactorTableSerialTests {
    @Test func aFullTableRefusesALeaseLoudlyAndARemovalMakesRoom() throws {
        let free = SecretRedactor.capacity - SecretRedactor.usage.values
        let filler = try SecretRedactor.hold((0..<free).map { "filler-secret-\($0)-padding" })
        let refusals = SecretRedactor.usage.refusals
        #expect(throws: SecretRedactor.TableFull.self) { try SecretRedactor.hold(["one-more-secret-value"]) }
        #expect(SecretRedactor.usage.refusals == refusals + 1)
        #expect("\(SecretRedactor.TableFull())".contains("refused"))
        // Redaction still finds every value, in one pass.
        #expect(SecretRedactor.redact("a filler-secret-\(free - 1)-padding b") == "a ‹redacted› b")
        filler.release()
        let lease = try SecretRedactor.hold(["one-more-secret-value"])
        #expect(SecretRedactor.redact("x one-more-secret-value") == "x ‹redacted›")
        lease.release()
    }
}

/// Issue 23, item 6: a syntax error never prints what it found in a credential field or a secrets file.
@Suite struct ErrorQuotingTests {
    @Test func aSyntaxErrorInACredentialFieldDoesNotQuoteTheKey() {
        let text = """
            {"served_entities": [{"name": "a", "external_model": {"name": "m", "provider": "openai",
              "task": "llm/v1/chat", "openai_config": {"openai_api_key_plaintext": sklive7abc123XYZ}}}]}
            """
        let issues = EndpointConfigReader.read(text: text, defaultName: "x").issues.description
        #expect(issues.contains("not shown"), "\(issues)")
        #expect(!issues.contains("sklive7abc123XYZ") && !issues.contains("sklive"))
        // Elsewhere the word is quoted: it helps, and it is no secret.
        let plain = EndpointConfigReader.read(text: #"{"served_entities": yes}"#, defaultName: "x").issues.description
        #expect(plain.contains("'yes'"), "\(plain)")
    }

    @Test func aSecretsFileErrorQuotesNothingItRead() {
        for text in [
            #"{"s/k": abcdef123-zz}"#, "root:$6$saltsalt$hashhashhash:19000:0:99999:7:::",
            #"{"s/k": 1234567890123e999999}"#, #"{"s/ksecretkeyname" 5}"#, #"{"s/k": "v", "s/k2": @@@}"#,
        ] {
            guard case .failure(let issues) = SecretsFile.parse(text, path: "secrets.json") else {
                Issue.record("accepted: \(text)")
                continue
            }
            let message = issues.description
            for word in ["abcdef123", "root", "saltsalt", "hashhash", "1234567890123", "secretkeyname", "@"] {
                #expect(!message.contains(word), "\(message)")
            }
        }
    }
}

/// Issue 23, item 9: a service account's token_uri is read as a URL parser reads it.
@Suite struct TokenURITests {
    @Test func onlyHTTPSOrLoopbackHTTPWithoutUserInfo() {
        for ok in [
            "https://oauth2.googleapis.com/token", "http://127.0.0.1:8080/token", "http://localhost/token",
            "http://[::1]:9000/token",
        ] {
            #expect(ServiceAccountKey.isSafeTokenURI(ok), "\(ok)")
        }
        for bad in [
            "http://127.0.0.1.evil.com/", "http://localhost@evil.com/", "http://localhost.evil.com/token",
            "https://user:pw@oauth2.googleapis.com/token", "ftp://127.0.0.1/", "http:///token", "localhost/token",
        ] {
            #expect(!ServiceAccountKey.isSafeTokenURI(bad), "\(bad)")
        }
    }
}

/// Review of issue 23: tokens after `Bearer ` or an echoed header name, cut by a chunk's end, wait for the rest.
@Suite struct KeywordHoldTests {
    @Test(arguments: [
        ("Authorization: Bearer abc", "def12345xyz done", "abc"),
        ("echo \"x-api-key\": \"ab", "cd1234567efg\" rest", "cd1234567"),
        ("headers: Bear", "er tok3n1234567 end", "tok3n1234567"),
        ("x-api-key", ": k3y4567890 end", "k3y4567890"),
    ])
    func aTokenSplitAfterItsKeywordIsRedactedWhole(first: String, second: String, leaked: String) {
        var stream = SecretRedactor.Stream()
        var out = stream.push(first)
        out += stream.push(second)
        out += stream.finish()
        #expect(!out.contains(leaked), "\(out)")
        #expect(out.contains("‹redacted›"), "\(out)")
    }

    @Test func ordinaryWordsAtAChunksEndGoOutWithTheNext() {
        var stream = SecretRedactor.Stream()
        var out = stream.push("Bearer bonds are a")
        out += stream.push(" kind of security.")
        out += stream.finish()
        #expect(out == "Bearer bonds are a kind of security.")
    }
}
