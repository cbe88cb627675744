import Foundation

/// What one connection or request may cost either server (`abtop serve`, `abtop mock-server`): a slow, idle or
/// oversized client is cut off instead of holding memory, a connection or a task forever.
public struct HTTPLimits: Sendable, Equatable {
    /// A request body larger than this is answered 413 before it is parsed.
    public var maxBodyBytes: Int
    /// Connections served at once; more wait in the listen backlog until one closes.
    public var maxConnections: Int
    /// A connection with no request activity for this long is closed (also bounds reading a request's head:
    /// a client that never finishes its headers is dropped). Never fires while an answer is being written: that is
    /// `writeTimeout`'s.
    public var idleTimeout: Double
    /// A request body not complete this long after it started is answered 408.
    public var bodyTimeout: Double
    /// A connection whose client has not taken the bytes waiting for it (its kernel buffers and 64 KiB more are
    /// full) for this long is closed, and its request cancelled upstream.
    public var writeTimeout: Double
    /// A streamed answer's events waiting for the client (counted with their SSE framing) past this many bytes
    /// end the request: it is cancelled upstream and the client gets an error event. Bounds serve's memory per
    /// stream whatever the client does.
    public var maxPendingBytes: Int

    public init(
        maxBodyBytes: Int = 4 << 20, maxConnections: Int = 512, idleTimeout: Double = 60,
        bodyTimeout: Double = 30, writeTimeout: Double = 30, maxPendingBytes: Int = 4 << 20
    ) {
        self.maxBodyBytes = maxBodyBytes
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.writeTimeout = writeTimeout
        self.maxPendingBytes = maxPendingBytes
    }
}

/// Which host names are this machine's loopback: `localhost`, `::1` and IPv4 literals 127.x.y.z only (a name
/// such as `127.evil.example` is a name, resolved by DNS, not a loopback address).
public enum Loopback {
    public static func isLoopback(_ host: String) -> Bool {
        if host == "127.0.0.1" || host == "localhost" { return true }  // what nearly every request says
        var h = host.lowercased()
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4,
            parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && UInt8($0) != nil })
        else { return false }
        return parts[0] == "127"
    }

    /// Whether an authority is `host`, `host:port` or `[v6]:port` with a port of digits (1…65535): a Host such as
    /// `127.0.0.1:8080.evil` is no authority at all (cutting it at the colon would read it as loopback).
    public static func isWellFormed(authority: String) -> Bool {
        var rest = Substring(authority)
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return false }
            rest = rest[rest.index(after: close)...]
            if rest.isEmpty { return true }
            guard rest.hasPrefix(":") else { return false }
        } else if let colon = rest.firstIndex(of: ":") {
            guard colon != rest.startIndex else { return false }
            rest = rest[colon...]
        } else {
            return !rest.isEmpty
        }
        let port = rest.dropFirst()
        return (1...5).contains(port.count) && port.allSatisfy { $0.isASCII && $0.isNumber }
            && (1...65_535).contains(Int(port) ?? 0)
    }

    /// The host of an HTTP authority (`host`, `host:port`, `[v6]:port`), lower-cased, brackets kept off.
    public static func host(ofAuthority authority: String) -> String {
        // The common case, `127.0.0.1:8080`, without lower-casing or copying the whole authority.
        if let colon = authority.firstIndex(of: ":"), authority.utf8.first != UInt8(ascii: "["),
            !authority.utf8[authority.utf8.index(after: colon)...].contains(UInt8(ascii: ":"))
        {
            let host = authority[..<colon]
            return host.utf8.contains { $0 >= 0x41 && $0 <= 0x5A } ? host.lowercased() : String(host)
        }
        let a = authority.lowercased()
        if a.hasPrefix("["), let close = a.firstIndex(of: "]") {
            return String(a[a.index(after: a.startIndex)..<close])
        }
        if a.filter({ $0 == ":" }).count == 1, let colon = a.firstIndex(of: ":") { return String(a[..<colon]) }
        return a
    }
}

/// The checks a browser on the same machine cannot pass, made before `abtop serve` routes a request, so that no
/// web page the user visits can reach the keys serve holds (see docs/SECURITY.md):
///
/// - **Host** must be a loopback name or the bound address: a DNS-rebinding page's requests carry its own name.
/// - **Origin**, when sent, must be serve's own (`http://` + the Host) or one given with `--allow-origin`: a
///   cross-site `fetch` or form always carries its page's origin.
/// - A request **body** must be `application/json`: `text/plain`, forms and multipart are what a page can send
///   without a CORS preflight.
public struct RequestGuard: Sendable, Equatable {
    /// The address serve listens on.
    public let bindHost: String
    /// Browser origins allowed besides serve's own (`--allow-origin`); `*` allows any.
    public var allowedOrigins: Set<String>

    /// Bound to every interface (`0.0.0.0`, `::`): every name of the machine is legitimate, so the Host check
    /// cannot list them; binding there requires `--token`, which a rebinding page does not have.
    private let checksAnyHost: Bool

    public init(bindHost: String, allowedOrigins: [String] = []) {
        self.bindHost = bindHost
        self.allowedOrigins = Set(allowedOrigins.map { Self.normalizedOrigin($0) })
        self.checksAnyHost = ["0.0.0.0", "::", "[::]"].contains(bindHost)
    }

    /// A request as the guard sees it: the few headers it reads.
    public struct Head: Sendable {
        public var method: String
        /// The request target as sent: a path (`/…`), or `*`; an absolute URL (a proxy's form) is refused.
        public var target: String
        public var authority: String?
        /// More than one `Host` header was sent (a smuggling trick): refused.
        public var extraHost: Bool
        public var origin: String?
        public var contentType: String?
        public var hasBody: Bool

        public init(
            method: String, target: String = "/", authority: String?, extraHost: Bool = false, origin: String?,
            contentType: String?, hasBody: Bool
        ) {
            self.method = method
            self.target = target
            self.authority = authority
            self.extraHost = extraHost
            self.origin = origin
            self.contentType = contentType
            self.hasBody = hasBody
        }
    }

    /// Nil when the request may go on; else the error to answer.
    public func refusal(_ head: Head) -> ServingError? {
        guard let authority = head.authority, !authority.isEmpty, !head.extraHost else {
            return ServingError(status: 400, code: "BAD_REQUEST", message: "a request needs exactly one Host header")
        }
        guard head.target.hasPrefix("/") || head.target == "*" else {
            // `GET http://other/health` with a loopback Host: serve is no proxy, and which host is meant is unclear.
            return ServingError(
                status: 400, code: "BAD_REQUEST",
                message: "the request target must be a path (/…): abtop serve is not a proxy")
        }
        guard Loopback.isWellFormed(authority: authority) else {
            return ServingError(
                status: 400, code: "BAD_REQUEST",
                message: "the Host header is not a host with an optional numeric port")
        }
        let host = Loopback.host(ofAuthority: authority)
        if !checksAnyHost, !Loopback.isLoopback(host), host != Loopback.host(ofAuthority: bindHost) {
            return ServingError(
                status: 403, code: "PERMISSION_DENIED",
                message:
                    "Host '\(String(host.prefix(100)))' is not this server: "
                    + "abtop serve answers to loopback names and the address it binds "
                    + "(a page that rebinds its DNS name to 127.0.0.1 is refused)"
            )
        }
        if let origin = head.origin, !allows(origin: origin, authority: authority) {
            return ServingError(
                status: 403, code: "PERMISSION_DENIED",
                message:
                    "cross-origin request from '\(String(origin.prefix(100)))' refused: "
                    + "start abtop serve with --allow-origin \(String(origin.prefix(100))) to let that page call it"
            )
        }
        if head.hasBody, head.method == "POST" || head.method == "PUT" || head.method == "PATCH",
            !Self.isJSON(head.contentType)
        {
            let found = head.contentType.map { "'\(String($0.prefix(100)))'" } ?? "none"
            return ServingError(
                status: 415, code: "BAD_REQUEST",
                message:
                    "request bodies must be sent as Content-Type: application/json (found \(found)); "
                    + "with curl, add -H 'Content-Type: application/json'"
            )
        }
        return nil
    }

    /// Whether a browser page at `origin` may call serve: its own origin, or one allowed by the user.
    public func allows(origin: String, authority: String) -> Bool {
        let o = Self.normalizedOrigin(origin)
        return allowedOrigins.contains("*") || allowedOrigins.contains(o) || o == "http://" + authority.lowercased()
    }

    static func normalizedOrigin(_ o: String) -> String {
        var s = o.trimmingCharacters(in: .whitespaces).lowercased()
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }

    /// `application/json`, with or without parameters (`; charset=utf-8`), or a `+json` type.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        if contentType == "application/json" { return true }
        let media =
            contentType.split(separator: ";", maxSplits: 1).first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            } ?? ""
        return media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json"))
    }
}
