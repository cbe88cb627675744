extension EndpointConfigReader {
    /// The entity's `<provider>_config` block: exactly one, matching the provider, read by its descriptor.
    static func readProviderBlock(
        _ model: ObjectReader, provider: any ProviderDescriptor, providers: ProviderCatalog,
        issues: inout ConfigIssues
    ) -> (any ProviderSettings)? {
        let blockName = provider.configBlock
        let others = model.object.keys.filter { key in
            key != blockName && providers.byBlock(key) != nil
        }
        for other in others {
            if model.has(blockName) {
                issues.error(
                    model.path.key(other), "an entity takes one provider block; this one is \"\(provider.id)\"",
                    fix: "remove \(other), or move it to a served entity of its own")
            } else {
                issues.error(
                    model.path.key(other), "the provider is \"\(provider.id)\" but this block is \(other)",
                    fix:
                        "rename it to \(blockName), with \(blockName)'s keys: "
                        + "\(provider.configKeys.joined(separator: ", "))"
                )
            }
        }
        guard let value = model.value(blockName) else {
            if others.isEmpty {
                let keys = provider.configKeys.prefix(2).map { "\"\($0)\": ..." }.joined(separator: " or ")
                issues.error(
                    model.path.key(blockName), "missing \(blockName) for provider \"\(provider.id)\"",
                    fix: "add \"\(blockName)\": {\(keys)}"
                )
            }
            return nil
        }
        guard
            let block = ObjectReader(
                value, at: model.path.key(blockName), known: provider.configKeys,
                issues: &issues)
        else { return nil }
        block.finish(issues: &issues) { misplacedKeyHint($0, in: provider, providers: providers) }
        return provider.isSupported ? provider.readSettings(block, issues: &issues) : nil
    }

    /// A key from another provider's block: say where it belongs and what this block calls it.
    static func misplacedKeyHint(_ key: String, in provider: any ProviderDescriptor, providers: ProviderCatalog)
        -> (message: String, fix: String)?
    {
        guard let owner = providers.all.first(where: { $0.id != provider.id && $0.configKeys.contains(key) }) else {
            return nil
        }
        let message = "\"\(key)\" is a key of \(owner.configBlock), not of \(provider.configBlock)"
        if let ours = provider.apiKeyFields, let theirs = owner.apiKeyFields {
            if key == theirs.reference {
                return (
                    message,
                    "rename it to \"\(ours.reference)\"; "
                        + "its value, a {{secrets/<scope>/<key>}} reference, stays as it is"
                )
            }
            if key == theirs.plaintext {
                return (message, "rename it to \"\(ours.plaintext)\"")
            }
        }
        return (message, "\(provider.configBlock) takes: \(provider.configKeys.joined(separator: ", "))")
    }

    /// Reads a credential pair. Messages never quote the value: it may be a real key pasted in the wrong field.
    /// A credential with no conventional environment variable: giving neither field is an error at `reference`.
    public static func requiredCredential(
        _ block: ObjectReader, reference: String, plaintext: String, missing: String, issues: inout ConfigIssues
    ) -> Credential {
        if !block.has(reference), !block.has(plaintext) {
            issues.error(
                block.path.key(reference), missing,
                fix: "add \"\(reference)\": \"{{secrets/<scope>/<key>}}\" or \"\(plaintext)\"")
        }
        return readCredential(block, reference: reference, plaintext: plaintext, conventional: [], issues: &issues)
    }

    public static func readCredential(
        _ block: ObjectReader, reference: String, plaintext: String, conventional: [String],
        kind: Credential.Kind = .headerValue, issues: inout ConfigIssues
    ) -> Credential {
        let refPath = block.path.key(reference)
        let plainPath = block.path.key(plaintext)
        let fallback = Credential(
            source: .conventional, field: refPath, conventionalVariables: conventional, kind: kind)
        switch (block.value(reference), block.value(plaintext)) {
        case (nil, nil):
            return fallback
        case (.some, .some):
            issues.error(
                block.path, "both \"\(reference)\" and \"\(plaintext)\" are given",
                fix: "keep one: \"\(reference)\" (a {{secrets/<scope>/<key>}} reference) is the safer")
            return fallback
        case (.some(let value), nil):
            guard case .string(let text) = value else {
                issues.error(refPath, "expected a secret reference string, found \(value.kindDescription)")
                return fallback
            }
            guard let ref = SecretReference(parsing: text) else {
                if SecretReference.looksLikeReference(text) {
                    issues.error(
                        refPath, "malformed secret reference",
                        fix: "write it as {{secrets/<scope>/<key>}} (letters, digits, '-', '_', '.')")
                } else {
                    issues.error(
                        refPath,
                        "expected a secret reference {{secrets/<scope>/<key>}}, found a literal value (not shown)",
                        fix:
                            "to give the key itself, use \"\(plaintext)\"; "
                            + "better, keep it in --secrets FILE or $ABTOP_SECRET_<SCOPE>_<KEY> and reference it"
                    )
                }
                return fallback
            }
            return Credential(
                source: .reference(ref), field: refPath, conventionalVariables: conventional, kind: kind)
        case (nil, .some(let value)):
            guard case .string(let text) = value, !text.isEmpty else {
                issues.error(plainPath, "expected the key as a non-empty string, found \(value.kindDescription)")
                return fallback
            }
            if SecretReference(parsing: text) != nil {
                issues.error(
                    plainPath, "a {{secrets/…}} reference in a _plaintext field would be sent as it is",
                    fix: "move it to \"\(reference)\"")
                return fallback
            }
            switch kind {
            case .headerValue:
                guard HTTPFieldSyntax.isFieldValue(text) else {
                    issues.error(
                        plainPath,
                        "the value holds characters an HTTP header cannot carry "
                            + "(a line break, a control character, or spaces at an end); not shown",
                        fix: "paste the key alone, with nothing around it")
                    return fallback
                }
            case .serviceAccountKey:
                if let problem = ServiceAccountKey.problem(in: text) {
                    issues.error(plainPath, problem, fix: ServiceAccountKey.fix)
                    return fallback
                }
            }
            return Credential(
                source: .plaintext(SecretValue(text)), field: plainPath,
                conventionalVariables: conventional, kind: kind)
        }
    }

    /// A cloud region (`us-east-1`, `europe-west4`): it goes into a host name, so lower-case letters, digits and
    /// '-' only.
    public static func readRegion(
        _ block: ObjectReader, key: String, example: String, issues: inout ConfigIssues
    ) -> String? {
        guard let region = block.string(key, issues: &issues, missingFix: "add \"\(key)\": \"\(example)\"") else {
            return nil
        }
        let ok =
            !region.isEmpty && region.count <= 40
            && region.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard ok else {
            issues.error(
                block.path.key(key), "not a region name: \"\(region)\"",
                fix: "lower-case letters, digits and '-', e.g. \"\(example)\"")
            return nil
        }
        return region
    }

    /// Characters safe in a URL path segment or query value without escaping.
    public static func isURLSegment(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_"
                || c == "."
        }
    }
}
