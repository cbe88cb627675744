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
    /// The event's `data:` lines so far, joined by "\n".
    private var data = ""
    private var hasData = false

    public init(maxLineBytes: Int = 1 << 20, maxEventBytes: Int = 4 << 20) {
        self.maxLineBytes = maxLineBytes
        self.maxEventBytes = maxEventBytes
    }

    /// The events completed by `bytes`.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        var events: [SSEEvent] = []
        guard overflow == nil else { return events }
        if bytes.withContiguousStorageIfAvailable({ feed($0, into: &events) }) == nil {
            Array(bytes).withUnsafeBufferPointer { feed($0, into: &events) }
        }
        return events
    }

    /// Finds each line end and takes the bytes before it in one piece: a stream's chunks arrive many to a read,
    /// and this runs for every byte a provider streams.
    private mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into events: inout [SSEEvent]) {
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        var i = 0
        while i < bytes.count {
            if sawCR {
                sawCR = false
                if bytes[i] == lf {
                    i += 1
                    continue
                }
            }
            var end = i
            while end < bytes.count, bytes[end] != lf, bytes[end] != cr { end += 1 }
            if end > i {
                guard line.count + (end - i) <= maxLineBytes else {
                    overflow = .line(limit: maxLineBytes)
                    line.removeAll()
                    return
                }
                line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<end]))
            }
            guard end < bytes.count else { return }
            sawCR = bytes[end] == cr
            endLine(into: &events)
            if overflow != nil { return }
            i = end + 1
        }
    }

    /// Bytes of an unfinished line or event are pending (the stream ended mid-event).
    public var hasPartialEvent: Bool { !line.isEmpty || hasData }

    private mutating func endLine(into events: inout [SSEEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            if hasData { events.append(SSEEvent(event: eventName, data: data)) }
            eventName = nil
            data = ""
            hasData = false
            eventBytes = 0
            return
        }
        if line[0] == UInt8(ascii: ":") { return }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        var valueStart = colon < line.count ? colon + 1 : colon
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        // Field names compared as bytes: only `data` and `event` make a string.
        if line[..<colon].elementsEqual("data".utf8) {
            eventBytes += line.count - valueStart + 1
            guard eventBytes <= maxEventBytes else {
                overflow = .event(limit: maxEventBytes)
                data = ""
                hasData = false
                return
            }
            // Several `data:` lines make one value, joined by "\n".
            if hasData { data += "\n" }
            data += String(decoding: line[valueStart...], as: UTF8.self)
            hasData = true
        } else if line[..<colon].elementsEqual("event".utf8) {
            eventName = String(decoding: line[valueStart...], as: UTF8.self)
        }
        // id, retry and unknown fields do not matter here
    }
}
