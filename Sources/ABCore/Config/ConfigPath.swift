/// A JSON path into the endpoint config, printed the way users read it:
/// `served_entities[1].external_model.anthropic_config.openai_api_key`.
public struct ConfigPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public private(set) var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    public func key(_ name: String) -> ConfigPath {
        ConfigPath(components + [.key(name)])
    }

    public func index(_ i: Int) -> ConfigPath {
        ConfigPath(components + [.index(i)])
    }

    public var isRoot: Bool { components.isEmpty }

    public var description: String {
        if components.isEmpty { return "(top level)" }
        var out = ""
        for component in components {
            switch component {
            case .key(let k) where k.utf8.count <= 64 && EndpointConfigReader.isIdentifier(k):
                if !out.isEmpty { out += "." }
                out += k
            case .key(let k):
                // A key with dots, spaces or worse is quoted (and kept short), so the path stays unambiguous.
                out += "[" + JSONValue.quoted(k.count > 64 ? String(k.prefix(64)) + "…" : k) + "]"
            case .index(let i):
                out += "[\(i)]"
            }
        }
        return out
    }
}
