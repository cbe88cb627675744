import ABCore
import ABProviders
import Foundation
import Synchronization

@testable import ABServer

/// A runtime that answers from a script instead of the engine: the HTTP side and the registry, tested alone.
final class FakeRuntime: EndpointRuntime {
    let config: EndpointConfig
    private let current: Mutex<Weights>
    private let fallbackFlag: Atomic<Bool>
    var fallback: Bool { fallbackFlag.load(ordering: .relaxed) }
    private let closeCount = Atomic<Int>(0)
    var closed: Bool { closes > 0 }
    /// How many times it was closed: once at most, whatever races the registry sees.
    var closes: Int { closeCount.load(ordering: .relaxed) }
    let invocations = Mutex<[Invocation]>([])
    let script: @Sendable (Invocation) -> [InvocationEvent]
    let gap: Duration
    /// Awaited after the first event and before the rest: a test holds the stream there until its client saw it.
    let gate: (@Sendable () async -> Void)?

    init(
        config: EndpointConfig, gap: Duration, gate: (@Sendable () async -> Void)? = nil,
        script: @escaping @Sendable (Invocation) -> [InvocationEvent]
    ) {
        self.config = config
        self.gap = gap
        self.gate = gate
        self.current = Mutex(config.weights)
        self.fallbackFlag = Atomic(config.aiGateway.fallbackEnabled)
        self.script = script
    }

    var weights: Weights { current.withLock { $0 } }
    func setWeights(_ weights: Weights) { current.withLock { $0 = weights } }
    func setFallback(_ enabled: Bool) { fallbackFlag.store(enabled, ordering: .relaxed) }

    func invoke(_ invocation: Invocation) -> InvocationEvents {
        invocations.withLock { $0.append(invocation) }
        let events = InvocationEvents()
        let steps = script(invocation)
        let (gap, gate) = (self.gap, self.gate)
        Task {
            for (i, step) in steps.enumerated() {
                if i == 1, let gate { await gate() }
                try? await Task.sleep(for: gap)
                events.push(step)
            }
        }
        return events
    }

    func call(_ invocation: Invocation) async -> InvocationResult {
        let events = invoke(invocation)
        while let event = await events.next() {
            if case .finished(let result) = event { return result }
        }
        return InvocationResult(entity: nil)
    }

    func close() async { closeCount.add(1, ordering: .relaxed) }
}

final class FakeFactory: EndpointRuntimeFactory {
    let made = Mutex<[FakeRuntime]>([])
    let script: @Sendable (Invocation) -> [InvocationEvent]
    /// Between the scripted events.
    let gap: Duration
    let gate: (@Sendable () async -> Void)?

    init(
        gap: Duration = .milliseconds(5), gate: (@Sendable () async -> Void)? = nil,
        script: @escaping @Sendable (Invocation) -> [InvocationEvent] = FakeFactory.echo
    ) {
        self.gap = gap
        self.gate = gate
        self.script = script
    }

    func make(config: EndpointConfig, configText: String, metrics: EndpointMetrics) throws -> any EndpointRuntime {
        let runtime = FakeRuntime(config: config, gap: gap, gate: gate, script: script)
        made.withLock { $0.append(runtime) }
        return runtime
    }

    var last: FakeRuntime? { made.withLock { $0.last } }

    /// Entity 0 answers with the prompt, streamed in two pieces when asked to stream.
    static let echo: @Sendable (Invocation) -> [InvocationEvent] = { invocation in
        let text = "echo: " + (invocation.messages.last?.content ?? "")
        let done = InvocationEvent.finished(
            InvocationResult(
                entity: 0, text: text, finishReason: "stop",
                inputTokens: 3, outputTokens: 4))
        guard invocation.stream else { return [done] }
        let mid = text.index(text.startIndex, offsetBy: text.count / 2)
        return [.content(entity: 0, text: String(text[..<mid])), .content(entity: 0, text: String(text[mid...])), done]
    }
}

enum ServingFixtures {
    static func payload(name: String = "mix", weights: (Int, Int) = (50, 50), key: String = "{{secrets/s/k}}") -> String
    {
        """
        {"name": "\(name)", "config": {
          "served_entities": [
            {"name": "a", "external_model": {"name": "gpt-4", "provider": "openai", "task": "llm/v1/chat",
              "openai_config": {"openai_api_key": "\(key)"}}},
            {"name": "b", "external_model": {"name": "claude-3-opus-20240229", "provider": "anthropic", "task": "llm/v1/chat",
              "anthropic_config": {"anthropic_api_key": "{{secrets/s/k2}}"}}}],
          "traffic_config": {"routes": [
            {"served_model_name": "a", "traffic_percentage": \(weights.0)},
            {"served_model_name": "b", "traffic_percentage": \(weights.1)}]}}}
        """
    }

    static func json(_ text: String) -> JSONValue { try! JSONParser.parse(text) }
}
