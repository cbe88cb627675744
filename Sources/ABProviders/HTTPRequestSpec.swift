import ABCore

/// An HTTP request ready for a transport: what a wire format produces, with no IO of its own.
///
/// Header values may hold credentials, so the type's description shows header names only.
public struct HTTPRequestSpec: Sendable, CustomStringConvertible {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: HeaderValue)]
    public var body: [UInt8]
    /// Requests with the same id carry the same headers, so a transport may prepare them once (nil: no promise).
    public var headerSetID: Int?
    /// Response headers (lower case) the wire format reads beyond the ones every caller does (retry hints, the
    /// body's type, request ids): a provider that counts tokens in headers names them here, so the transport
    /// keeps them without knowing any provider.
    public var responseHeaders: [String]

    public init(
        method: String = "POST", url: String, headers: [(name: String, value: HeaderValue)], body: [UInt8],
        headerSetID: Int? = nil, responseHeaders: [String] = []
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.headerSetID = headerSetID
        self.responseHeaders = responseHeaders
    }

    public var description: String {
        "\(method) \(url) [\(headers.map(\.name).joined(separator: ", "))] \(body.count) bytes"
    }

    /// A header's value: plain text, or a secret that only the transport may read.
    public enum HeaderValue: Sendable, Equatable, CustomStringConvertible {
        case plain(String)
        case secret(prefix: String, SecretValue)
        /// A secret inside plain text (an AWS `Authorization`: the key id, then the scope and signature, which
        /// change with every request and so are not registered as secrets themselves).
        case secretWithin(prefix: String, SecretValue, suffix: String)

        /// The text to put on the wire. Only a transport should call this.
        public func exposedForTransport() -> String {
            switch self {
            case .plain(let s): s
            case .secret(let prefix, let value): prefix + value.exposedForTransport()
            case .secretWithin(let prefix, let value, let suffix): prefix + value.exposedForTransport() + suffix
            }
        }

        public var description: String {
            switch self {
            case .plain(let s): s
            case .secret(let prefix, _): prefix + SecretValue.redacted
            case .secretWithin(let prefix, _, _): prefix + SecretValue.redacted + "/…"
            }
        }
    }

    public func header(_ name: String) -> HeaderValue? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
