import ABCore
import Foundation
import Synchronization

/// The session's verdicts and sample-ratio checks, recomputed about once a second on a thread of their own and
/// handed over finished: the dashboard reads the latest result in a frame without computing anything, and the
/// transport threads, which record through the stats lock, never wait on an analysis (it runs on a copy).
public final class SessionAnalysis: Sendable {
    public struct Result: Sendable {
        public var verdicts: [Verdict] = []
        public var srm: [SRMResult] = []
        /// Session seconds when the statistics were read; negative before the first analysis.
        public var time = -1.0
    }

    private let session: Session
    private let latest = Mutex(Result())
    private let stopped = Atomic<Bool>(false)
    private let wake = NSCondition()

    /// Starts analysing every `interval` seconds until `stop()`.
    public init(session: Session, interval: Double = 1) {
        self.session = session
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                refresh()
                wake.lock()
                _ = wake.wait(until: Date().addingTimeInterval(interval))
                wake.unlock()
            }
        }
        thread.name = "abtop-analysis"
        thread.qualityOfService = .utility
        thread.start()
    }

    /// The latest finished analysis.
    public var result: Result { latest.withLock { $0 } }

    /// Analyses now, on the caller's thread (the summary at the end wants every request in it).
    @discardableResult
    public func refresh() -> Result {
        let time = session.now()
        let stats = session.statistics()
        let result = Result(verdicts: stats.verdicts(), srm: stats.srm(), time: time)
        latest.withLock { $0 = result }
        return result
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        wake.lock()
        wake.signal()
        wake.unlock()
    }
}
