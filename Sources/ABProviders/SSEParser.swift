/// One server-sent event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field; nil when the event had none (OpenAI's streams).
    public var event: String?
    /// The `data:` lines, joined by "\n".
    public var data: String

    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }
}

/// An incremental SSE parser (the WHATWG event-stream rules): feed it bytes as they arrive, split anywhere, and
/// it gives the same events. Handles LF, CR and CRLF line ends, multi-line `data:`, comments and `event:` lines.
///
/// A line or an event past its limit is not kept: the parser stops there and says so in `overflow`, so a stream
/// that never ends a line costs at most the limit, whatever the provider sends.
public struct SSEParser: Sendable {
    /// What passed its limit.
    public enum Overflow: Sendable, Equatable {
        case line(limit: Int)
        case event(limit: Int)
    }

    public let maxLineBytes: Int
    public let maxEventBytes: Int
    /// Set once a line or an event passed its limit; nothing more is parsed after it.
    public private(set) var overflow: Overflow?
    private var line: [UInt8] = []
    private var eventBytes = 0
    private var sawCR = false
    private var eventName: String?
    private var dataLines: [String] = []
    private var hasData = false

    public init(maxLineBytes: Int = 1 << 20, maxEventBytes: Int = 4 << 20) {
        self.maxLineBytes = maxLineBytes
        self.maxEventBytes = maxEventBytes
    }

    /// The events completed by `bytes`.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        var events: [SSEEvent] = []
        guard overflow == nil else { return events }
        for byte in bytes {
            if sawCR {
                sawCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\r"):
                sawCR = true
                endLine(into: &events)
            case UInt8(ascii: "\n"):
                endLine(into: &events)
            default:
                guard line.count < maxLineBytes else {
                    overflow = .line(limit: maxLineBytes)
                    line.removeAll()
                    return events
                }
                line.append(byte)
            }
            if overflow != nil { return events }
        }
        return events
    }

    /// Bytes of an unfinished line or event are pending (the stream ended mid-event).
    public var hasPartialEvent: Bool { !line.isEmpty || hasData }

    private mutating func endLine(into events: inout [SSEEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            if hasData { events.append(SSEEvent(event: eventName, data: dataLines.joined(separator: "\n"))) }
            eventName = nil
            dataLines.removeAll(keepingCapacity: true)
            hasData = false
            eventBytes = 0
            return
        }
        if line[0] == UInt8(ascii: ":") { return }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        let field = String(decoding: line[..<colon], as: UTF8.self)
        var valueStart = colon < line.count ? colon + 1 : colon
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = String(decoding: line[valueStart...], as: UTF8.self)
        switch field {
        case "data":
            eventBytes += line.count - valueStart + 1
            guard eventBytes <= maxEventBytes else {
                overflow = .event(limit: maxEventBytes)
                dataLines.removeAll()
                hasData = false
                return
            }
            dataLines.append(value)
            hasData = true
        case "event":
            eventName = value
        default:
            break  // id, retry and unknown fields do not matter here
        }
    }
}
