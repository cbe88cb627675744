import ABCore
import ABProviders
import Foundation
import Synchronization

/// The attempt sequence carried out: retries, backoff, fallbacks and the breakers, for one prompt's pick.
extension Engine {
    /// Carries out the attempt sequence from `first` (the router's pick): each action of `AttemptSequence` done
    /// here, against the transport, the breakers and the session. Each entity's outcome spans all its attempts:
    /// E2E from `start` (its first attempt, or the intended send time) to the last byte of its last attempt.
    /// Compare mode passes its `group` (no fallback; records kept out of the split's counts).
    func attempts(
        _ chat: ChatRequest, prompt: PromptItem, from first: RoutingState.Pick, start: UInt64,
        fallback: Bool, relay: (any ContentRelay)?, group: Int? = nil
    ) async -> [Served] {
        var sequence = AttemptSequence(
            arm: first.entity,
            policy: .init(
                maxRetries: settings.retries.max, backoffMilliseconds: settings.retries.backoffMilliseconds,
                fallback: fallback))
        var records: [Served] = []
        var pick = first
        var entityStart = start
        var attemptStart = start
        var last: Attempt?
        let ticket = session.requestStarted(
            entity: first.entity, analysed: !first.repeatsSession, epoch: first.epoch)
        var action = sequence.start()
        while true {
            switch action {
            case .send(let entity, _):
                let attempt = await self.attempt(chat, on: entity, start: attemptStart, relay: relay)
                let failure = attempt.failure
                let ok = failure.map { !$0.kind.countsAgainstProvider } ?? true
                if let transition = routing.record(
                    entity: entity, success: ok, isProbe: pick.isProbe, now: session.now())
                {
                    noteBreaker(transition, entity: entity)
                }
                pick = RoutingState.Pick(entity: entity, epoch: pick.epoch, isProbe: false)
                if let failure {
                    session.note(
                        EngineEvent(
                            time: session.now(), entity: entity, kind: .error(failure.kind),
                            message: "\(name(entity)): \(failure)"))
                }
                last = attempt
                action = sequence.next(
                    after: .attempted(
                        failure: failure?.kind, retryAfter: failure?.retryAfter, relayed: attempt.relayed,
                        breakerClosed: routing.isClosed(entity)),
                    jitter: failure == nil ? 1 : random.withLock { $0.unit() }, cancelled: Task.isCancelled)
            case .backoff(let entity, let seconds, let retry):
                session.note(
                    EngineEvent(
                        time: session.now(), entity: entity, kind: .retry,
                        message: "\(name(entity)): retry \(retry) in \(Int(seconds * 1000)) ms"))
                try? await Task.sleep(for: .seconds(seconds))
                attemptStart = Monotonic.now()
                action = sequence.next(after: .waited, cancelled: Task.isCancelled)
            case .record(let entity, let isFallback, let retries):
                var served = self.served(
                    last!, chat: chat, prompt: prompt, entity: entity, arm: sequence.arm,
                    epoch: pick.epoch, isFallback: isFallback, retries: retries, start: entityStart)
                if !isFallback {
                    if group == nil { routing.observe(entity: entity, success: served.record.outcome.error == nil) }
                    served.record.outcome.issue = ticket
                    served.record.outcome.repeatsSession = first.repeatsSession
                }
                if let group {
                    served.record.group = group
                    served.record.outcome.countsTowardSplit = false
                }
                records.append(served)
                session.record(served.record)
                action = sequence.next(after: .recorded, cancelled: Task.isCancelled)
            case .listFallbacks(let arm):
                action = sequence.next(after: .candidates(routing.fallbackOrder(after: arm, now: session.now())))
            case .admit(let entity):
                guard let admitted = routing.admitFallback(entity, now: session.now()) else {
                    action = sequence.next(after: .refused)
                    continue
                }
                let kind = records.first?.record.outcome.error?.rawValue ?? "failed"
                session.note(
                    EngineEvent(
                        time: session.now(), entity: entity, kind: .fallback,
                        message: "\(name(sequence.arm)) failed (\(kind)); falling back to \(name(entity))"))
                pick = admitted
                entityStart = Monotonic.now()
                attemptStart = entityStart
                session.requestStarted(entity: entity, analysed: false)
                action = sequence.next(after: .admitted)
            case .done:
                return records
            }
        }
    }

    func noteBreaker(_ transition: Breaker.Transition, entity: Int) {
        let now = session.now()
        switch transition {
        case .opened(let until), .reopened(let until):
            session.note(
                EngineEvent(
                    time: now, entity: entity, kind: .breakerOpened,
                    message: "\(name(entity)): breaker open, cooling down for \(Int((until - now).rounded())) s"))
        case .closed:
            session.note(
                EngineEvent(
                    time: now, entity: entity, kind: .breakerClosed,
                    message: "\(name(entity)): probe succeeded, breaker closed"))
        }
    }
}
