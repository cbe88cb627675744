import Foundation

/// One replica's second of one endpoint, as it publishes it for the fleet's view (`abtop watch --fleet`): the split
/// epochs it opened, the requests it started (each with its ticket in its entity's issue order), the requests that
/// finished (every outcome field the statistics read, no prompt or answer text), clients' feedback and the LLM
/// judge's verdicts (without the prompt's text).
///
/// Why requests and not pre-added counts: the verdicts are sequential tests that read each entity's requests in
/// the order they were sent, with the ones still in flight censored. Counts and histograms added across replicas
/// would give the right shares and percentiles but not that order, so the fleet's verdicts would be approximations
/// of the ones every single replica shows. A batch keeps the order and the censoring exactly: concatenated, the
/// fleet's batches are one session's events, which the same `Session` reads as it reads its own. The cost is about
/// 150 bytes a request in Redis, for the streams' bounded length.
public struct FleetBatch: Sendable, Equatable {
    /// A request started: its entity, its ticket in that entity's issue order on its replica, its epoch there.
    public struct Started: Sendable, Equatable {
        public var entity: Int
        public var ticket: Int
        public var epoch: Int

        public init(entity: Int, ticket: Int, epoch: Int) {
            self.entity = entity
            self.ticket = ticket
            self.epoch = epoch
        }
    }

    /// The replica (`--replica`).
    public var replica: String
    /// The replica's session of this endpoint (a new one after a restart or a change of entities).
    public var session: String
    /// When that session started, wall clock (seconds since 1970): a record's times are nanoseconds after it.
    public var origin: Double
    /// Epochs opened since the last batch (the first batch of a session: epoch 0 too), and always the current one.
    public var epochs: [SplitEpoch] = []
    public var started: [Started] = []
    public var finished: [RequestRecord] = []
    public var feedback: [Feedback] = []
    public var judged: [Judgement] = []

    public init(replica: String, session: String, origin: Double) {
        self.replica = replica
        self.session = session
        self.origin = origin
    }

    public var isEmpty: Bool {
        started.isEmpty && finished.isEmpty && feedback.isEmpty && judged.isEmpty && epochs.isEmpty
    }

    /// The most items a batch may carry, and its largest text: a hostile writer to Redis cannot make a reader
    /// hold more.
    public static let maxItems = 200_000
    public static let maxBytes = 64 << 20

    /// The record columns, in the journal's names, in the order a batch lists them.
    static let columns = [
        "entity", "arm", "epoch", "is_fallback", "counts_toward_split", "retries", "start_ns", "first_byte_ns",
        "first_token_ns", "end_ns", "streamed", "status", "error_kind", "tokens_in", "tokens_out", "tokens_estimated",
        "cost_usd", "check_passed", "issue", "repeats_session", "prompt_id", "finish_reason",
    ]

    // MARK: - Encoding

    /// The batch as JSON text; record times relative to `origin` (`originStamp`: the session's origin on the
    /// replica's monotonic clock).
    public func json(originStamp: UInt64) -> String {
        func int(_ v: Int?) -> JSONValue { v.map { .number(JSONNumber($0)) } ?? .null }
        func flag(_ v: Bool?) -> JSONValue { v.map { .number(JSONNumber($0 ? 1 : 0)) } ?? .null }
        func rel(_ t: UInt64?) -> JSONValue {
            t.map { .number(JSONNumber(literal: String(Int64(bitPattern: $0 &- originStamp)), value: 0)) } ?? .null
        }
        let records: [JSONValue] = finished.map { r in
            let o = r.outcome
            return .array([
                int(o.entity), int(o.arm), int(o.epoch), flag(o.isFallback), flag(o.countsTowardSplit), int(o.retries),
                rel(o.timing.start), rel(o.timing.firstByte), rel(o.timing.firstToken), rel(o.timing.end),
                flag(o.streamed), int(o.status), o.error.map { .string($0.rawValue) } ?? .null, int(o.usage.input),
                int(o.usage.output), flag(o.usage.estimated), o.costUSD.map { .number(JSONNumber($0)) } ?? .null,
                flag(o.checkPassed), int(o.issue), flag(o.repeatsSession), .string(r.promptID),
                r.finishReason.map { .string($0) } ?? .null,
            ])
        }
        let object = JSONObject([
            "v": 1, "replica": .string(replica), "session": .string(session),
            "origin": .number(JSONNumber(origin)),
            "epochs": .array(
                epochs.map {
                    .array([int($0.index), .string($0.weights.description), .number(JSONNumber($0.startedAt))])
                }),
            "started": .array(started.map { .array([int($0.entity), int($0.ticket), int($0.epoch)]) }),
            "finished": .array(records),
            "feedback": .array(
                feedback.map {
                    .array([
                        .string($0.requestID), int($0.entity), .string($0.metric), .number(JSONNumber($0.value)),
                        flag($0.isBoolean), $0.comment.map { .string($0) } ?? .null,
                    ])
                }),
            "judged": .array(
                judged.compactMap { j in
                    var j = j
                    j.prompt = ""
                    return (try? JSONEncoder().encode(j)).flatMap { String(data: $0, encoding: .utf8) }.map {
                        .string($0)
                    }
                }),
        ])
        return JSONValue.object(object).rendered()
    }

    // MARK: - Decoding

    /// A batch read back, every value checked as hostile input (Redis is shared: anyone who can write it can write
    /// anything): nil when it is not a batch of an endpoint with `entities` entities. Records that do not read are
    /// left out and counted in `leftOut`. Times come back relative to the origin (nanoseconds, as UInt64 bits).
    public static func decode(_ text: String, entities: Int) -> (batch: FleetBatch, leftOut: Int)? {
        guard text.utf8.count <= maxBytes, let root = try? JSONParser.parse(text), let o = root.objectValue,
            o["v"]?.intValue == 1, let replica = o["replica"]?.stringValue, (1...200).contains(replica.utf8.count),
            let session = o["session"]?.stringValue, (1...200).contains(session.utf8.count),
            // Seconds since 1970 between 2001 and 2286: a time far off would overflow the clock arithmetic.
            case .number(let originNumber)? = o["origin"], (1e9...1e10).contains(originNumber.value)
        else { return nil }
        var batch = FleetBatch(replica: replica, session: session, origin: originNumber.value)
        let epochs = o["epochs"]?.arrayValue ?? []
        let started = o["started"]?.arrayValue ?? []
        let finished = o["finished"]?.arrayValue ?? []
        let feedback = o["feedback"]?.arrayValue ?? []
        let judged = o["judged"]?.arrayValue ?? []
        guard epochs.count + started.count + finished.count + feedback.count + judged.count <= maxItems else {
            return nil
        }
        for e in epochs {
            guard let index = e[index: 0]?.intValue, index >= 0, let text = e[index: 1]?.stringValue,
                let split = Weights(text.split(separator: "/").compactMap { Int($0) }),
                split.percentages.count == entities, case .number(let at)? = e[index: 2], at.value.isFinite
            else { return nil }
            batch.epochs.append(SplitEpoch(index: index, weights: split, startedAt: at.value))
        }
        for s in started {
            guard let entity = s[index: 0]?.intValue, (0..<entities).contains(entity),
                let ticket = s[index: 1]?.intValue, ticket >= 0, let epoch = s[index: 2]?.intValue, epoch >= 0
            else { return nil }
            batch.started.append(Started(entity: entity, ticket: ticket, epoch: epoch))
        }
        var leftOut = 0
        for f in finished {
            guard let cells = f.arrayValue, cells.count == columns.count else {
                leftOut += 1
                continue
            }
            var row: [String: StoredRow.Value] = [:]
            for (name, cell) in zip(columns, cells) {
                switch cell {
                case .number(let n):
                    if let i = Int64(n.literal) {
                        row[name] = .integer(i)
                    } else if n.value.isFinite {
                        row[name] = .real(n.value)
                    }
                case .string(let s): row[name] = .text(s)
                default: row[name] = .null
                }
            }
            let epoch = row["epoch"].flatMap {
                if case .integer(let e) = $0, e >= 0, e < 1 << 30 { Int(e) } else { nil }
            }
            guard let epoch, let record = RequestRecord(stored: StoredRow(row), entities: entities, epochs: [epoch])
            else {
                leftOut += 1
                continue
            }
            batch.finished.append(record)
        }
        for f in feedback {
            guard let id = f[index: 0]?.stringValue, id.utf8.count <= 200, let entity = f[index: 1]?.intValue,
                (0..<entities).contains(entity), let metric = f[index: 2]?.stringValue, Feedback.isMetricName(metric),
                case .number(let value)? = f[index: 3], value.value.isFinite, let boolean = f[index: 4]?.intValue
            else {
                leftOut += 1
                continue
            }
            let comment = f[index: 5]?.stringValue.flatMap { $0.utf8.count <= Feedback.maxCommentLength ? $0 : nil }
            batch.feedback.append(
                Feedback(
                    requestID: id, entity: entity, metric: metric, value: value.value, isBoolean: boolean != 0,
                    comment: comment))
        }
        for j in judged {
            // Checked as the journal's reader checks a judgement row: entities in range, a reading or a failure.
            guard let text = j.stringValue, text.utf8.count <= 16_384, let data = text.data(using: .utf8),
                var judgement = try? JSONDecoder().decode(Judgement.self, from: data),
                (0..<entities).contains(judgement.first), (0..<entities).contains(judgement.second),
                judgement.first != judgement.second,
                judgement.failure != nil || (judgement.inOrder != nil && judgement.swapped != nil),
                judgement.promptID.utf8.count <= 200, judgement.seconds.isFinite, judgement.seconds >= 0,
                (0...RequestRecord.maxStoredTokens).contains(judgement.inputTokens),
                (0...RequestRecord.maxStoredTokens).contains(judgement.outputTokens),
                judgement.costUSD.map({ $0.isFinite && $0 >= 0 && $0 < 1e9 }) ?? true
            else {
                leftOut += 1
                continue
            }
            // Cut, not excerpted: a note read back and written again reads the same.
            judgement.note = judgement.note.map { String($0.prefix(200)) }
            // A batch never carries the prompt's text (one written in anyway is not read).
            judgement.prompt = ""
            batch.judged.append(judgement)
        }
        return (batch, leftOut)
    }
}
