import ABCore
import Testing

/// The attempt sequence alone: events in, actions out.
@Suite struct AttemptSequenceTests {
    let policy = AttemptSequence.Policy(maxRetries: 2, backoffMilliseconds: 100, fallback: true)

    func failed(
        _ kind: ErrorKind?, retryAfter: Double? = nil, relayed: Bool = false,
        closed: Bool = true
    ) -> AttemptSequence.Event {
        .attempted(failure: kind, retryAfter: retryAfter, relayed: relayed, breakerClosed: closed)
    }

    @Test func anAnswerIsRecordedAndEndsIt() {
        var s = AttemptSequence(arm: 1, policy: policy)
        #expect(s.start() == .send(entity: 1, isFallback: false))
        #expect(s.next(after: failed(nil)) == .record(entity: 1, isFallback: false, retries: 0))
        #expect(s.next(after: .recorded) == .done)
        #expect(s.next(after: .recorded) == .done, "done stays done")
    }

    @Test func retriesBackOffExponentiallyWithJitterAndHonourRetryAfter() {
        var s = AttemptSequence(arm: 0, policy: policy)
        #expect(s.next(after: failed(.http5xx), jitter: 1) == .backoff(entity: 0, seconds: 0.1, retry: 1))
        #expect(s.next(after: .waited) == .send(entity: 0, isFallback: false))
        #expect(
            s.next(after: failed(.http5xx), jitter: 0) == .backoff(entity: 0, seconds: 0.1, retry: 2), "50 % of 0.2 s")
        #expect(s.next(after: .waited) == .send(entity: 0, isFallback: false))
        #expect(s.next(after: failed(.http5xx)) == .record(entity: 0, isFallback: false, retries: 2), "retries used up")
        var t = AttemptSequence(arm: 0, policy: policy)
        #expect(
            t.next(after: failed(.rateLimited, retryAfter: 7), jitter: 1) == .backoff(entity: 0, seconds: 7, retry: 1))
        #expect(t.backoff(retry: 0, retryAfter: 86_400, jitter: 1) == 60, "a wait is capped at a minute")
    }

    @Test func cancelledDuringABackoffTheFailureBeforeItIsTheOutcome() {
        var s = AttemptSequence(arm: 0, policy: policy)
        #expect(s.next(after: failed(.rateLimited), jitter: 1) == .backoff(entity: 0, seconds: 0.1, retry: 1))
        #expect(s.next(after: .waited, cancelled: true) == .record(entity: 0, isFallback: false, retries: 0))
        #expect(s.next(after: .recorded, cancelled: true) == .done, "and no fallback")
    }

    @Test func noRetryWhenRelayedCancelledBreakerOpenOrNotRetryable() {
        for (event, cancelled) in [
            (failed(.http5xx, relayed: true), false), (failed(.http5xx), true),
            (failed(.http5xx, closed: false), false), (failed(.http4xx), false),
        ] {
            var s = AttemptSequence(arm: 0, policy: policy)
            #expect(s.next(after: event, cancelled: cancelled) == .record(entity: 0, isFallback: false, retries: 0))
        }
    }

    @Test func fallbacksGoInOrderSkippingRefusedOnesOnceEach() {
        var s = AttemptSequence(arm: 1, policy: .init(maxRetries: 0, backoffMilliseconds: 1, fallback: true))
        #expect(s.next(after: failed(.timeout)) == .record(entity: 1, isFallback: false, retries: 0))
        #expect(s.next(after: .recorded) == .listFallbacks(after: 1))
        #expect(s.next(after: .candidates([0, 1, 2, 3])) == .admit(entity: 0))
        #expect(s.next(after: .refused) == .admit(entity: 2), "a refused fallback is skipped; the arm is never one")
        #expect(s.next(after: .admitted) == .send(entity: 2, isFallback: true))
        #expect(
            s.next(after: failed(.http5xx)) == .record(entity: 2, isFallback: true, retries: 0), "fallbacks never retry"
        )
        #expect(s.next(after: .recorded) == .admit(entity: 3))
        #expect(s.next(after: .admitted) == .send(entity: 3, isFallback: true))
        #expect(s.next(after: failed(nil)) == .record(entity: 3, isFallback: true, retries: 0))
        #expect(s.next(after: .recorded) == .done, "rescued")
    }

    @Test func noFallbackWhenOffRelayedOrTheFailureIsTheRequests() {
        for (policyOn, event) in [
            (false, failed(.http5xx)), (true, failed(.http5xx, relayed: true)),
            (true, failed(.http4xx)), (true, failed(.streamBroken)),
        ] {
            var s = AttemptSequence(arm: 0, policy: .init(maxRetries: 0, backoffMilliseconds: 1, fallback: policyOn))
            _ = s.next(after: event)
            #expect(s.next(after: .recorded) == .done)
        }
    }
}
