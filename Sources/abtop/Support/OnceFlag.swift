import ABCore
import ABEngine
import ABProviders
import ABReport
import ABStore
import ABTUI
import ArgumentParser
import Foundation
import Synchronization

/// A flag set once from any thread.
final class OnceFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
