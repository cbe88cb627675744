import ABCore
import ABEngine
import Foundation
import Synchronization

/// The fleet's view of one endpoint: every replica's batches (`FleetBatch`) replayed, in the order Redis took
/// them, into one `Session` of this process, which then computes the same snapshot, shares, SRM checks and
/// verdicts (with the same issue order and censoring of requests in flight) as a single replica computes for its
/// own traffic, over all of it.
///
/// - Each replica session's tickets are renumbered into the fleet's issue order as their starts arrive; its
///   finished requests carry the fleet's ticket back. A request that started before the view began keeps none
///   (read in the order it finished).
/// - Each replica epoch is mapped to a fleet epoch by its split: the first replica to move opens the fleet epoch,
///   the others' requests under their old split still count to the old one (a replica epoch that began before the
///   fleet's current one, with an earlier fleet epoch's split, is that epoch), and a split nobody has seen since
///   opens a new one (a person moved it).
/// - Times move onto this process's clock by the replica's wall-clock origin (replicas' clocks are assumed in sync
///   by NTP; an offset shifts a replica's times, never its order or its durations).
/// - A replica session silent for `silence` seconds (killed, cut off) has its requests in flight closed as
///   cancelled, as a client that left: they stop being censored forever.
final class FleetMirror: @unchecked Sendable {
    let session: Session
    private let setWeights: @Sendable (Weights) -> Void
    /// The session's split epoch now (cheap: the router's; a rollout on the view moves it too).
    private let epochNow: @Sendable () -> SplitEpoch
    private let lock = NSLock()
    private var replicas: [String: ReplicaSession] = [:]
    /// This process's monotonic stamp and wall clock at the same moment.
    private let stampAtWall: (stamp: UInt64, wall: Double)
    /// Every fleet epoch and when it began in the fleet's time (wall clock), in that order: one opened for a
    /// replica's split, when that replica's epoch began; one the view's rollout opened, when it did.
    private var opened: [(epoch: SplitEpoch, wall: Double)] = []
    private(set) var batches = 0
    private(set) var leftOut = 0
    private(set) var closedInFlight = 0

    static let silence = 15.0

    private struct ReplicaSession {
        var replica: String
        var origin: Double
        var lastSeen: Double
        var epochs: [Int: SplitEpoch] = [:]
        var mapped: [Int: Int] = [:]
        /// Per entity: the replica's ticket → the fleet's ticket, and the fleet epoch it started in.
        var tickets: [Int: [Int: (ticket: Int, epoch: Int, at: Double)]] = [:]
    }

    init(
        session: Session, setWeights: @escaping @Sendable (Weights) -> Void,
        epochNow: @escaping @Sendable () -> SplitEpoch
    ) {
        self.session = session
        self.setWeights = setWeights
        self.epochNow = epochNow
        stampAtWall = (Monotonic.now(), Date().timeIntervalSince1970)
        opened = [(epochNow(), -Double.infinity)]
    }

    /// The replicas heard from in the last `silence` seconds, by name.
    func liveReplicas(now: Double = Date().timeIntervalSince1970) -> [String] {
        lock.withLock { Set(replicas.values.filter { now - $0.lastSeen < Self.silence }.map(\.replica)).sorted() }
    }

    /// Replays one batch.
    func apply(_ batch: FleetBatch, now: Double = Date().timeIntervalSince1970) {
        lock.withLock {
            batches += 1
            let key = batch.replica + "/" + batch.session
            var r = replicas[key] ?? ReplicaSession(replica: batch.replica, origin: batch.origin, lastSeen: now)
            r.lastSeen = now
            for e in batch.epochs { r.epochs[e.index] = e }
            for s in batch.started {
                let epoch = fleetEpoch(&r, s.epoch)
                if let ticket = session.requestStarted(entity: s.entity, analysed: true, epoch: epoch) {
                    session.assigned(entity: s.entity, epoch: epoch)
                    r.tickets[s.entity, default: [:]][s.ticket] = (ticket, epoch, now)
                }
            }
            for var record in batch.finished {
                var o = record.outcome
                if let issue = o.issue {
                    if let known = r.tickets[o.entity]?.removeValue(forKey: issue) {
                        o.issue = known.ticket
                        o.epoch = known.epoch
                    } else {
                        o.issue = nil
                        o.epoch = fleetEpoch(&r, o.epoch)
                    }
                } else {
                    o.epoch = fleetEpoch(&r, o.epoch)
                }
                o.timing = RequestTiming(
                    start: stamp(o.timing.start, r.origin), firstByte: o.timing.firstByte.map { stamp($0, r.origin) },
                    firstToken: o.timing.firstToken.map { stamp($0, r.origin) }, end: stamp(o.timing.end, r.origin))
                record.outcome = o
                session.record(record)
            }
            for f in batch.feedback { _ = session.feedback(f) }
            for j in batch.judged { session.judged(j) }
            replicas[key] = r
        }
    }

    /// Closes the requests in flight of replica sessions silent for `silence` seconds (as cancelled).
    func expire(now: Double = Date().timeIntervalSince1970) {
        lock.withLock {
            for (key, r) in replicas where now - r.lastSeen >= Self.silence {
                let end = stamp(UInt64(max(0, (now - r.origin) * 1e9)), r.origin)
                for (entity, open) in r.tickets {
                    for (_, t) in open {
                        var o = RequestOutcome(
                            entity: entity, epoch: t.epoch, timing: RequestTiming(start: end, end: end),
                            streamed: false,
                            status: nil, error: .cancelled)
                        o.issue = t.ticket
                        session.record(RequestRecord(outcome: o, promptID: "", prompt: ""))
                        closedInFlight += 1
                    }
                }
                replicas[key] = nil
            }
        }
    }

    /// A time `relative` nanoseconds after a replica's wall-clock `origin`, on this process's monotonic clock.
    private func stamp(_ relative: UInt64, _ origin: Double) -> UInt64 {
        let offset = Int64(((origin - stampAtWall.wall) * 1e9).rounded())
        return stampAtWall.stamp &+ UInt64(bitPattern: offset) &+ relative
    }

    /// The wall-clock time of session second `seconds` of the view.
    private func wall(atSessionSecond seconds: Double) -> Double {
        stampAtWall.wall - Double(Int64(bitPattern: stampAtWall.stamp &- session.origin)) / 1e9 + seconds
    }

    /// The fleet epoch a replica epoch counts to, mapped once by when it began and its split: the fleet epoch
    /// under way when it began, if that one has its split (a replica still catching up to a change, or replaying
    /// history); else the current one, if that has it; else a new one (a split nobody has seen there: a person
    /// moved it).
    private func fleetEpoch(_ r: inout ReplicaSession, _ epoch: Int) -> Int {
        if let known = r.mapped[epoch] { return known }
        let current = epochNow()
        if !opened.contains(where: { $0.epoch.index == current.index }) {
            // Opened by the view's rollout: it began when its session says.
            insert(current, at: wall(atSessionSecond: current.startedAt))
        }
        guard let theirs = r.epochs[epoch] else {
            r.mapped[epoch] = current.index
            return current.index
        }
        let began = r.origin + theirs.startedAt
        if let under = opened.last(where: { $0.wall <= began }), under.epoch.weights == theirs.weights {
            r.mapped[epoch] = under.epoch.index
            return under.epoch.index
        }
        if theirs.weights == current.weights {
            r.mapped[epoch] = current.index
            return current.index
        }
        setWeights(theirs.weights)
        let new = epochNow()
        insert(new, at: began)
        r.mapped[epoch] = new.index
        return new.index
    }

    private func insert(_ epoch: SplitEpoch, at wall: Double) {
        let place = opened.firstIndex { $0.wall > wall } ?? opened.count
        opened.insert((epoch, wall), at: place)
    }
}
