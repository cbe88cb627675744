import ABCore
import Synchronization

/// Tallies how alike each entity's answers to a repeated prompt are (`Consistency`), as the requests finish. Only
/// for `run` and `demo`, whose prompts are a finite list: serve's every request is a prompt of its own.
final class ConsistencyObserver: SessionObserver {
    private let tally: Mutex<Consistency>

    init(names: [String]) { tally = Mutex(Consistency(names: names)) }

    func observe(_ event: SessionEvent) {
        if case .finished(let record) = event { tally.withLock { $0.add(record) } }
    }

    var figures: [Consistency.Figures] { tally.withLock { $0.figures } }
}
