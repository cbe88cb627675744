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
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var sawCR = false
    private var eventName: String?
    private var dataLines: [String] = []
    private var hasData = false

    public init() {}

    /// The events completed by `bytes`.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        var events: [SSEEvent] = []
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
                line.append(byte)
            }
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
            dataLines.append(value)
            hasData = true
        case "event":
            eventName = value
        default:
            break  // id, retry and unknown fields do not matter here
        }
    }
}
