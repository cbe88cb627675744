import Synchronization

/// A flag one thread sets and others read: what a test waits on instead of a clock.
public final class Flag: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { raised.load(ordering: .relaxed) }

    public func set(_ value: Bool = true) { raised.store(value, ordering: .relaxed) }
}
