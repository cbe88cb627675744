import CHiredis
import Foundation

/// One blocking connection to Redis over hiredis (Debian's `libhiredis-dev`; the Swift package mirror has no
/// Redis client). Not shared between threads: `RedisPool` hands each caller one of its own.
///
/// Every command goes through `redisCommandArgv` (arguments as arrays, never a format string), every reply is
/// bounded by Redis itself, and a connection whose socket failed or timed out is never used again (hiredis leaves
/// it in an undefined state): the pool drops it and dials afresh.
public final class RedisConnection {
    /// A reply, as RESP2 gives it.
    public enum Reply: Equatable, Sendable {
        case string(String)
        case integer(Int64)
        case array([Reply])
        case null
        case status(String)
        case error(String)

        public var string: String? {
            switch self {
            case .string(let s), .status(let s): return s
            case .integer(let i): return String(i)
            default: return nil
            }
        }

        public var integer: Int64? {
            switch self {
            case .integer(let i): return i
            case .string(let s): return Int64(s)
            default: return nil
            }
        }

        public var array: [Reply]? {
            if case .array(let a) = self { return a }
            return nil
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let context: UnsafeMutablePointer<redisContext>
    /// Set once the socket failed: the connection must be dropped.
    public private(set) var broken = false

    /// Connects to `address` within `timeout` seconds; each command then waits at most `timeout` for its reply.
    public init(_ address: RedisAddress, timeout: Double) throws {
        let ms = max(1, Int(timeout * 1000))
        guard let c = redisConnectWithTimeout(address.host, Int32(address.port), abtop_redis_timeval(ms)) else {
            throw Failure(description: "cannot reach Redis at \(address): out of memory")
        }
        if c.pointee.err != 0 {
            let why = Self.errorString(c)
            redisFree(c)
            throw Failure(description: "cannot reach Redis at \(address): \(why)")
        }
        context = c
        _ = redisSetTimeout(c, abtop_redis_timeval(ms))
        if let password = address.password {
            let reply = try command(["AUTH", password])
            if case .error = reply { throw Failure(description: "Redis at \(address) refused the password") }
        }
        if address.database != 0 {
            let reply = try command(["SELECT", String(address.database)])
            if case .error(let e) = reply { throw Failure(description: "Redis at \(address): SELECT: \(e)") }
        }
    }

    deinit { redisFree(context) }

    /// Sends one command and reads its reply. Throws (and marks the connection broken) when the socket fails or
    /// the reply does not come in time; a Redis error reply is returned as `.error`, not thrown.
    @discardableResult
    public func command(_ arguments: [String]) throws -> Reply {
        guard !broken else { throw Failure(description: "the Redis connection failed earlier") }
        let raw = Self.withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let raw else {
            broken = true
            throw Failure(description: "Redis: \(Self.errorString(context))")
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return Self.convert(reply, depth: 0)
    }

    /// Sends several commands in one round trip (pipelined) and reads their replies in order.
    public func pipeline(_ commands: [[String]]) throws -> [Reply] {
        guard !broken else { throw Failure(description: "the Redis connection failed earlier") }
        for arguments in commands {
            let status = Self.withArgv(arguments) { argc, argv, lengths in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            guard status == REDIS_OK else {
                broken = true
                throw Failure(description: "Redis: \(Self.errorString(context))")
            }
        }
        var replies: [Reply] = []
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                broken = true
                throw Failure(description: "Redis: \(Self.errorString(context))")
            }
            replies.append(Self.convert(raw.assumingMemoryBound(to: redisReply.self), depth: 0))
            freeReplyObject(raw)
        }
        return replies
    }

    private static func withArgv<T>(
        _ arguments: [String],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> T
    ) -> T {
        let buffers = arguments.map { Array($0.utf8) }
        let lengths = buffers.map(\.count)
        let pointers = buffers.map { bytes -> UnsafeMutablePointer<CChar> in
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, bytes.count))
            bytes.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { c in
                    if let base = c.baseAddress { p.update(from: base, count: bytes.count) }
                }
            }
            return p
        }
        defer { for p in pointers { p.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = pointers.map { UnsafePointer($0) }
        return argv.withUnsafeMutableBufferPointer { a in
            lengths.withUnsafeBufferPointer { l in body(Int32(arguments.count), a.baseAddress!, l.baseAddress!) }
        }
    }

    private static func convert(_ r: UnsafeMutablePointer<redisReply>, depth: Int) -> Reply {
        let reply = r.pointee
        func text() -> String {
            guard let str = reply.str else { return "" }
            return str.withMemoryRebound(to: UInt8.self, capacity: reply.len) {
                String(decoding: UnsafeBufferPointer(start: $0, count: reply.len), as: UTF8.self)
            }
        }
        switch reply.type {
        case REDIS_REPLY_STRING: return .string(text())
        case REDIS_REPLY_STATUS: return .status(text())
        case REDIS_REPLY_ERROR: return .error(text())
        case REDIS_REPLY_INTEGER: return .integer(reply.integer)
        case REDIS_REPLY_ARRAY:
            // abtop's own keys nest one level; a deeper reply (none is asked for) is cut, not recursed into.
            guard depth < 4, let element = reply.element else { return .array([]) }
            return .array((0..<reply.elements).map { convert(element[$0]!, depth: depth + 1) })
        default: return .null
        }
    }

    private static func errorString(_ c: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: c.pointee.errstr) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            let message = String(decoding: bytes[..<end], as: UTF8.self)
            return message.isEmpty ? "connection failed" : message
        }
    }
}

/// Where Redis is: `redis://[:password@]host[:port][/database]`. The password is kept out of `description`.
public struct RedisAddress: Sendable, CustomStringConvertible, Equatable {
    public let host: String
    public let port: Int
    public let password: String?
    public let database: Int

    public init(host: String, port: Int, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
    }

    /// Reads a `redis://` URL; nil with a reason when it is not one.
    public static func parse(_ url: String) -> Result<RedisAddress, RedisConnection.Failure> {
        func fail(_ why: String) -> Result<RedisAddress, RedisConnection.Failure> {
            .failure(.init(description: "the Redis address must be redis://[:password@]host[:port][/db]: \(why)"))
        }
        guard url.hasPrefix("redis://") else { return fail("it does not start with redis://") }
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            return fail("no host")
        }
        let port = components.port ?? 6379
        guard (1...65535).contains(port) else { return fail("port \(port) is out of range") }
        var database = 0
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let n = Int(path), (0...15).contains(n) else { return fail("the database must be 0…15") }
            database = n
        }
        let password = components.password.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding ?? $0 }
        return .success(RedisAddress(host: host, port: port, password: password, database: database))
    }

    public var description: String { "redis://\(host):\(port)/\(database)" }
}
