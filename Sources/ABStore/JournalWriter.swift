import ABCore
import Foundation
import Synchronization

/// One session's writer of finished requests: `record` only appends to a buffer; the journal's one writer thread
/// (`JournalFlusher`, shared by every session) writes the buffer in one short transaction 100 ms after rows arrive
/// (or sooner when 500 wait), so the engine never waits on SQLite and a `kill -9` loses at most the last tenth of
/// a second. Closing drains the buffer on the caller's thread: nothing waits for another thread.
public final class JournalWriter: Sendable {
    public let journal: Journal
    public let session: Int64
    let origin: UInt64
    private let buffer = Mutex<Buffer>(Buffer())
    /// Held while a batch is written: the flusher's thread and a caller's `flushNow` / `close` never write two
    /// batches of one session at once (they would commit out of order).
    private let writing = NSLock()
    /// Already in the flusher's list: later rows ride along without touching its lock (one wake per batch, not
    /// one per row). Cleared by the flusher as it takes the writer.
    private let scheduled = Atomic<Bool>(false)
    /// Prompt ids whose text is already written (bounded: past the bound, INSERT OR IGNORE does the work).
    private let writtenPrompts = Mutex<Set<String>>([])
    /// Callers of `flushDurably` waiting for their rows: resumed by the write that commits them.
    private let waiters = Mutex<[(target: Int, done: CheckedContinuation<Void, Never>)]>([])
    static let promptMemory = 10_000

    private struct Buffer {
        var pending: [(seq: Int, record: RequestRecord)] = []
        /// Everything beside requests, written in the same transactions as they are.
        var notes = Journal.Notes()
        /// The writer closed: what comes now cannot be written, and is counted as lost.
        var closed = false
        var seq = 0
        var written = 0
        var lastError: String?
        /// Writes of the batch at the head of `pending` that failed in a row.
        var failures = 0
        /// Writes failed for good: rows are counted as lost instead of buffered (memory stays bounded).
        var failed = false
        var lost = 0
    }

    /// How many times a failing write is tried again (one each 100 ms cycle) before the journal is given up:
    /// `SQLITE_BUSY` (another process holds the file; each try already waits out the 5 s busy timeout) a few more,
    /// anything else (a full disk, a file-size limit, an I/O error) a few, since a second try rarely differs.
    static let busyRetries = 6
    static let otherRetries = 3
    /// Closing waits at most this long for a batch that keeps failing, then counts it as lost.
    static let closeDeadline = 15.0

    /// What reached the file: rows handed in, written, lost, and why writing stopped.
    public struct Status: Sendable, Equatable {
        public var handedIn: Int
        public var written: Int
        public var lost: Int
        public var error: String?
        /// Writes failed for good; `lost` rows are not in the journal.
        public var failed: Bool
    }

    public init(journal: Journal, session: Int64, origin: UInt64) {
        self.journal = journal
        self.session = session
        self.origin = origin
    }

    public func record(_ record: RequestRecord) {
        let count = buffer.withLock { b -> Int in
            b.seq += 1
            if b.failed || b.closed {
                b.lost += 1
                if b.closed, b.lastError == nil { b.lastError = "a request finished after the journal session closed" }
                return 0
            }
            b.pending.append((b.seq, record))
            return b.pending.count
        }
        if count > 0 { schedule(urgent: count >= 500) }
    }

    /// Asks the journal's thread for a write; without one (it could not start), writes here.
    private func schedule(urgent: Bool) {
        if scheduled.exchange(true, ordering: .acquiringAndReleasing), !urgent { return }
        if !journal.flusher.schedule(self, urgent: urgent) {
            scheduled.store(false, ordering: .releasing)
            _ = flush()
        }
    }

    /// The flusher took this writer: rows that come from now on ask again.
    func taken() {
        scheduled.store(false, ordering: .releasing)
    }

    /// A new split epoch: written by the writer's thread with the next batch, after the epochs before it (the
    /// caller, which may hold the session's or the registry's lock, never waits on SQLite).
    public func record(epoch: SplitEpoch) {
        if buffer.withLock({ b in
            guard !b.failed && !b.closed else { return false }
            b.notes.epochs.append(epoch)
            return true
        }) {
            schedule(urgent: false)
        }
    }

    /// A blind vote at session seconds `at`, written like an epoch.
    public func record(vote: Vote, at: Double) {
        if buffer.withLock({ b in
            guard !b.failed && !b.closed else { return false }
            b.notes.votes.append((vote, at))
            return true
        }) {
            schedule(urgent: false)
        }
    }

    /// The latest read of the verdicts, written with the next batch over the one before.
    public func record(analysis: AnalysisRead) {
        // Encoded before the lock: every transport thread's `record` waits on it.
        guard let encoded = AnalysisJSON.encode(analysis) else { return }
        if buffer.withLock({ b in
            guard !b.failed && !b.closed else { return false }
            b.notes.analysis = encoded
            return true
        }) {
            schedule(urgent: false)
        }
    }

    /// A client's feedback on a request, written like a vote.
    public func record(feedback: Feedback, at: Double) {
        if buffer.withLock({ b in
            guard !b.failed && !b.closed else { return false }
            b.notes.feedback.append((feedback, at))
            return true
        }) {
            schedule(urgent: false)
        }
    }

    /// The LLM judge's verdict on a pair of answers (or why it has none), written like a vote.
    public func record(judgement: Judgement, at: Double) {
        if buffer.withLock({ b in
            guard !b.failed && !b.closed else { return false }
            b.notes.judgements.append((judgement, at))
            return true
        }) {
            schedule(urgent: false)
        }
    }

    /// A rollout moved: its state is kept (a restarted serve resumes from the latest), written with the next batch.
    public func record(rollout: RolloutState) {
        guard let encoded = RolloutJSON.encode(rollout) else { return }
        if buffer.withLock({ b in
            guard !b.failed && !b.closed else { return false }
            b.notes.rollouts.append(encoded)
            return true
        }) {
            schedule(urgent: true)
        }
    }

    /// The session switched between split and compare: the journal keeps the mode it is in now.
    public func record(mode: RunMode) {
        if buffer.withLock({ b in
            guard !b.failed && !b.closed else { return false }
            b.notes.mode = mode
            return true
        }) {
            schedule(urgent: false)
        }
    }

    /// Rows handed in, written and lost so far, and the last write error (a full disk, a locked file), if any.
    public var status: Status {
        buffer.withLock {
            Status(handedIn: $0.seq, written: $0.written, lost: $0.lost, error: $0.lastError, failed: $0.failed)
        }
    }

    /// Writes what is buffered now, on the caller's thread (an export wants every finished request in it).
    public func flushNow() {
        _ = flush()
    }

    /// Returns once every row handed in before the call is in the file (or can never be: writes failed for good,
    /// or the writer closed): a fleet replica answers a request only after this, so a `kill -9` loses only
    /// requests still in flight. It asks the journal's thread for a write now and waits without a thread: the
    /// write resumes every caller whose rows it committed, so concurrent answers share one transaction and a
    /// failing write is retried (and given up) by that one thread alone.
    public func flushDurably() async {
        let target = buffer.withLock { $0.seq }
        if isWritten(upTo: target) { return }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            waiters.withLock { $0.append((target, done)) }
            // A write may have ended between the check and the append: it resumed nobody for these rows.
            resumeWaiters()
            schedule(urgent: true)
        }
    }

    /// Whether the rows handed in up to `target` are written (or never will be).
    private func isWritten(upTo target: Int) -> Bool {
        buffer.withLock { $0.written + $0.lost >= target || $0.failed || $0.closed }
    }

    /// Resumes the callers of `flushDurably` whose rows are now written (or never will be).
    private func resumeWaiters() {
        let (settled, over) = buffer.withLock { ($0.written + $0.lost, $0.failed || $0.closed) }
        let ready = waiters.withLock { w -> [CheckedContinuation<Void, Never>] in
            let done = w.filter { over || $0.target <= settled }.map(\.done)
            w.removeAll { over || $0.target <= settled }
            return done
        }
        for continuation in ready { continuation.resume() }
    }

    /// Writes what is buffered, on the caller's thread, and closes: what comes later is counted as lost. A batch
    /// that fails is tried again until it is written or its retries run out (then it is counted as lost, and the
    /// status says so), for at most `closeDeadline`.
    public func close() {
        let deadline = Date().addingTimeInterval(Self.closeDeadline)
        while flush(), Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        buffer.withLock { b in
            b.closed = true
            guard !b.pending.isEmpty else { return }
            b.failed = true
            b.lost += b.pending.count
            b.pending.removeAll()
        }
        resumeWaiters()
    }

    /// Writes one batch; true when rows are still waiting (the write failed and will be tried again).
    func flush() -> Bool {
        defer { resumeWaiters() }
        writing.lock()
        defer { writing.unlock() }
        let (batch, notes) = buffer.withLock { b in
            defer {
                b.pending.removeAll(keepingCapacity: true)
                b.notes = Journal.Notes()
            }
            return (b.pending, b.notes)
        }
        guard !batch.isEmpty || !notes.isEmpty else { return false }
        let fresh = writtenPrompts.withLock { seen -> [Bool] in
            if seen.count > Self.promptMemory { seen.removeAll() }
            return batch.map { seen.insert($0.record.promptID).inserted }
        }
        do {
            try journal.append(
                session: session, origin: origin, records: batch, withPrompt: fresh, notes: notes)
            buffer.withLock {
                $0.written += batch.count
                $0.failures = 0
            }
            return false
        } catch {
            // The transaction rolled back: none of the batch is in the file. It goes back to the head of the
            // buffer and is tried again next cycle, until the retries for its kind of error run out.
            writtenPrompts.withLock { seen in
                for (item, isFresh) in zip(batch, fresh) where isFresh { seen.remove(item.record.promptID) }
            }
            let busy = Journal.isBusy(error)
            return buffer.withLock { b in
                b.lastError = "\(error)"
                b.failures += 1
                if b.failures > (busy ? Self.busyRetries : Self.otherRetries) {
                    b.failed = true
                    b.lost += batch.count + b.pending.count
                    b.pending.removeAll()
                    return false
                }
                b.pending.insert(contentsOf: batch, at: 0)
                b.notes = notes.followed(by: b.notes)
                return true
            }
        }
    }
}
