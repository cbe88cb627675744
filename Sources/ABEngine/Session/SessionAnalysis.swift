import ABCore
import Foundation
import Synchronization

/// The session's verdicts and sample-ratio checks, recomputed about once a second on a thread of their own and
/// handed over finished: the dashboard reads the latest result in a frame without computing anything, and the
/// transport threads, which record through the stats lock, never wait on an analysis (it runs on a copy).
///
/// The thread starts with the first read of `result` (a dashboard): a headless run or serve pays nothing until the
/// end, and a round with no new request is skipped.
public final class SessionAnalysis: Sendable {
    public struct Result: Sendable {
        public var verdicts: [Verdict] = []
        public var srm: [SRMResult] = []
        /// Session seconds when the statistics were read; negative before the first analysis.
        public var time = -1.0
        /// Comparisons in the family the verdicts' error rate is controlled over.
        public var familySize = 0
    }

    private let session: Session
    private let interval: Double
    private let latest = Mutex(Result())
    /// The running state of the verdicts (running minimum p-values, intersected intervals) and the last SRM
    /// reads: owned here, one analysis at a time.
    private let state: Mutex<(verdicts: VerdictAnalysis, srm: [SRMResult])>
    private let started = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let wake = NSCondition()

    public init(session: Session, interval: Double = 1) {
        self.session = session
        self.interval = interval
        let names = session.endpoint.servedEntities.map(\.name)
        state = Mutex((VerdictAnalysis(names: names, settings: session.analysisSettings), []))
    }

    /// The latest finished analysis (starting the analysis thread on the first read).
    public var result: Result {
        if !started.exchange(true, ordering: .relaxed) { start() }
        return latest.withLock { $0 }
    }

    private func start() {
        let started = DetachedThread.start(name: "abtop-analysis") { [self] in
            var analysed = -1
            while !stopped.load(ordering: .relaxed) {
                let recorded = session.recordedCount
                if recorded != analysed {
                    refresh()
                    analysed = recorded
                }
                wake.lock()
                if !stopped.load(ordering: .relaxed) { _ = wake.wait(until: Date().addingTimeInterval(interval)) }
                wake.unlock()
            }
        }
        // Without a thread (a process limit) the verdicts stay as last read; the next read tries again.
        if !started { self.started.store(false, ordering: .relaxed) }
    }

    /// Analyses now, on the caller's thread (the summary at the end wants every request in it).
    @discardableResult
    public func refresh() -> Result {
        state.withLock { state in
            let time = session.now()
            let stats = session.statistics()
            let arms = stats.armSamples
            let paired = state.verdicts.settings.paired ? stats.pairedSamples : []
            // An adaptive split follows the results, not the weights: a sample-ratio check would always fire.
            let srm = session.endpoint.settings.strategy.isAdaptive ? [] : stats.srm(previous: state.srm)
            let result = Result(
                verdicts: state.verdicts.verdicts(arms: arms, paired: paired), srm: srm, time: time,
                familySize: state.verdicts.familySize)
            state.srm = srm
            latest.withLock { $0 = result }
            session.analysed(
                AnalysisRead(
                    settings: state.verdicts.settings, familySize: result.familySize, time: time,
                    verdicts: result.verdicts, srm: srm))
            return result
        }
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        wake.lock()
        wake.signal()
        wake.unlock()
    }
}
