import ABCore

/// The binary framing of AWS streaming responses (`application/vnd.amazon.eventstream`, Bedrock's
/// `ConverseStream`): each message is a 12-byte prelude (total length, headers length, CRC32 of the first 8 bytes),
/// typed headers, a payload and a CRC32 of everything before it. Big-endian throughout.
public enum AWSEventStream {
    public struct Message: Sendable, Equatable {
        /// String-valued headers (`:event-type`, `:message-type`, `:content-type`, `:exception-type`…).
        public var headers: [String: String]
        public var payload: [UInt8]

        public init(headers: [String: String], payload: [UInt8]) {
            self.headers = headers
            self.payload = payload
        }
    }

    /// One message with string headers (value type 7), for the simulated provider.
    public static func encode(headers: [(String, String)], payload: [UInt8]) -> [UInt8] {
        var head: [UInt8] = []
        for (name, value) in headers {
            head.append(UInt8(name.utf8.count))
            head += name.utf8
            head.append(7)
            let v = Array(value.utf8)
            head += [UInt8(v.count >> 8), UInt8(v.count & 0xFF)]
            head += v
        }
        let total = 12 + head.count + payload.count + 4
        var out = be32(UInt32(total)) + be32(UInt32(head.count))
        out += be32(CRC32.checksum(out))
        out += head
        out += payload
        out += be32(CRC32.checksum(out))
        return out
    }

    static func be32(_ n: UInt32) -> [UInt8] {
        [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
    }

    /// An incremental reader: feed bytes as they arrive, split anywhere; a message is returned once whole and
    /// checked. A bad checksum or an impossible length ends the stream (`problem`), as the AWS SDKs do.
    public struct Parser: Sendable {
        public let maxMessageBytes: Int
        private var buffer: [UInt8] = []
        public private(set) var problem: String?

        public init(maxMessageBytes: Int = 4 << 20) {
            self.maxMessageBytes = maxMessageBytes
        }

        public var hasPartialMessage: Bool { !buffer.isEmpty }

        public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Message] {
            guard problem == nil else { return [] }
            buffer.append(contentsOf: bytes)
            var out: [Message] = []
            var start = 0
            while buffer.count - start >= 12 {
                let total = Int(Self.read32(buffer, start))
                let headersLength = Int(Self.read32(buffer, start + 4))
                guard Self.read32(buffer, start + 8) == CRC32.checksum(buffer[start..<(start + 8)]) else {
                    problem = "an event-stream prelude failed its checksum"
                    break
                }
                guard total >= 16, total <= maxMessageBytes, headersLength <= total - 16 else {
                    problem = "an event-stream message claims \(total) bytes (limit \(maxMessageBytes))"
                    break
                }
                guard buffer.count - start >= total else { break }
                let end = start + total
                guard Self.read32(buffer, end - 4) == CRC32.checksum(buffer[start..<(end - 4)]) else {
                    problem = "an event-stream message failed its checksum"
                    break
                }
                guard let headers = Self.headers(buffer[(start + 12)..<(start + 12 + headersLength)]) else {
                    problem = "an event-stream message has malformed headers"
                    break
                }
                out.append(Message(headers: headers, payload: Array(buffer[(start + 12 + headersLength)..<(end - 4)])))
                start = end
            }
            buffer.removeFirst(min(start, buffer.count))
            if problem != nil { buffer.removeAll() }
            return out
        }

        static func read32(_ b: [UInt8], _ i: Int) -> UInt32 {
            UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
        }

        /// The headers; values of other types are stepped over by their sizes (only strings are read).
        static func headers(_ bytes: ArraySlice<UInt8>) -> [String: String]? {
            var out: [String: String] = [:]
            var i = bytes.startIndex
            func need(_ n: Int) -> Bool { bytes.endIndex - i >= n }
            while i < bytes.endIndex {
                let nameLength = Int(bytes[i])
                i += 1
                guard need(nameLength + 1) else { return nil }
                let name = String(decoding: bytes[i..<(i + nameLength)], as: UTF8.self)
                i += nameLength
                let type = bytes[i]
                i += 1
                let fixed: [UInt8: Int] = [0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16]
                if let size = fixed[type] {
                    guard need(size) else { return nil }
                    i += size
                } else if type == 6 || type == 7 {
                    guard need(2) else { return nil }
                    let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
                    i += 2
                    guard need(length) else { return nil }
                    if type == 7 { out[name] = String(decoding: bytes[i..<(i + length)], as: UTF8.self) }
                    i += length
                } else {
                    return nil
                }
            }
            return out
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib's `crc32`).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
