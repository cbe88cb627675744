import ABCore
import ABEngine
import ABProviders
import ABReport
import ABStore
import ABTUI
import ArgumentParser
import Foundation
import Synchronization

/// Runs `handler` (once) when one of `signals` arrives, instead of the default of dying.
final class SignalWatcher {
    private let sources: [any DispatchSourceSignal]
    private let signals: [Int32]

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        self.signals = signals
        sources = signals.map { signo in
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    /// Stops watching, and gives the signals their default back (a later Ctrl-C ends the process, as it would
    /// have without the watcher).
    func cancel() {
        for source in sources { source.cancel() }
        for signo in signals { signal(signo, SIG_DFL) }
    }
}
