import ABCore
import Foundation
import Testing

/// Issue 27: a rollout plan read and refused where it is wrong, and the guard's decisions on scripted steps.
@Suite struct RolloutTests {
    static let entities = ["a", "b", "c"]

    func read(_ json: String) -> (RolloutPlan?, [String: String]) {
        var issues = ConfigIssues()
        let plan = RolloutPlan.read(
            try! JSONParser.parse(json), at: ConfigPath().key("abtop").key("rollout"), entities: Self.entities,
            issues: &issues)
        return (
            plan, Dictionary(issues.errors.map { ($0.path.description, $0.message) }, uniquingKeysWith: { a, _ in a })
        )
    }

    @Test func aPlanIsReadWithItsDefaultsAndRefusedWhereItIsWrong() throws {
        let (plan, errors) = read(#"{"baseline": "a", "candidate": "b", "guardrails": {"error_rate": 0.02}}"#)
        #expect(errors.isEmpty)
        let p = try #require(plan)
        #expect(p.steps == [1, 5, 25, 50, 100] && p.minStepSeconds == 60 && p.minStepRequests == 100)
        #expect(p.guardrails == [Guardrail(.errorRate, margin: 0.02)])
        // The plan's JSON reads back as the same plan.
        var issues = ConfigIssues()
        #expect(RolloutPlan.read(p.json, at: ConfigPath(), entities: Self.entities, issues: &issues) == p)
        #expect(read(#"{"baseline": "a", "candidate": "z"}"#).1["abtop.rollout.candidate"] != nil)
        #expect(read(#"{"baseline": "a", "candidate": "a"}"#).1["abtop.rollout.candidate"] != nil)
        #expect(read(#"{"baseline": "a", "candidate": "b", "steps": [5, 5, 100]}"#).1["abtop.rollout.steps"] != nil)
        #expect(read(#"{"baseline": "a", "candidate": "b", "steps": [5, 50]}"#).1["abtop.rollout.steps"] != nil)
        #expect(read(#"{"baseline": "a", "candidate": "b", "steps": [0, 100]}"#).1["abtop.rollout.steps"] != nil)
        #expect(read(#"{"baseline": "a", "candidate": "b", "guardrails": {}}"#).1["abtop.rollout.guardrails"] != nil)
        #expect(
            read(#"{"baseline": "a", "candidate": "b", "guardrails": {"latency_p99": 1}}"#).1[
                "abtop.rollout.guardrails.latency_p99"] != nil)
        #expect(read(#"{"baseline": "a", "candidate": "b", "alpha": 0.9}"#).1["abtop.rollout.alpha"] != nil)
        #expect(read(#"{"candidate": "b"}"#).1["abtop.rollout.baseline"] != nil)
    }

    static let infos = entities.map { EntityInfo(name: $0, model: "m", provider: "openai") }

    /// A guard over entities a (baseline) and b (candidate) of three, error rate within 10 points.
    func guardOf(steps: [Int] = [10, 50, 100], minRequests: Int = 20) -> RolloutGuard {
        let plan = RolloutPlan(
            baseline: "a", candidate: "b", steps: steps, minStepSeconds: 10, minStepRequests: minRequests,
            guardrails: [Guardrail(.errorRate, margin: 0.1)], alpha: 0.05)
        return RolloutGuard(plan: plan, infos: Self.infos, pairTotal: 80, epoch: 0, priced: false, at: 0)
    }

    /// `n` requests to each of baseline and candidate in `epoch`, finished; the candidate fails `fail` of each 10.
    func feed(_ g: inout RolloutGuard, _ n: Int, epoch: Int, from ticket: Int, candidateFailsPerTen fail: Int = 0) {
        for k in 0..<n {
            for entity in [0, 1] {
                g.started(entity: entity, ticket: ticket + k, epoch: epoch)
                var o = RequestOutcome(
                    entity: entity, epoch: epoch, timing: RequestTiming(start: 0, end: 1_000_000), streamed: false,
                    error: entity == 1 && k % 10 < fail ? .http5xx : nil)
                o.issue = ticket + k
                g.finished(o)
            }
        }
    }

    @Test func stepsAreTakenOnlyAfterTheirTimeAndRequestsWithEveryGuardrailHolding() {
        var g = guardOf()
        // The weights keep the third entity's 20 %: the pair's 80 splits 72/8 at 10 %.
        #expect(g.state.weights(Weights([50, 30, 20])!, baseline: 0, candidate: 1).percentages == [72, 8, 20])
        feed(&g, 400, epoch: 0, from: 0)
        #expect(g.tick(now: 5, srm: false, breakerOpen: false) == nil, "before its minimum time")
        #expect(g.state.readings.first?.state == .holds)
        let advance = g.tick(now: 11, srm: false, breakerOpen: false)
        #expect(advance?.kind == .advance && advance?.percentage == 50 && g.state.step == 1)
        // The next step counts only its own requests: none yet, so nothing holds.
        g.beginStep(epoch: 1, at: 11)
        feed(&g, 400, epoch: 0, from: 400)
        #expect(g.tick(now: 30, srm: false, breakerOpen: false) == nil)
        #expect(g.state.readings.first?.state == .open && g.state.stepRequests == 0)
        feed(&g, 400, epoch: 1, from: 800)
        #expect(g.tick(now: 30, srm: false, breakerOpen: false)?.kind == .complete)
        #expect(g.state.phase == .completed && g.state.percentage == 100)
        #expect(g.tick(now: 40, srm: false, breakerOpen: false) == nil, "over: nothing moves")
    }

    @Test func aBreachRollsBackAndPausesComeFromSRMTheBreakerAndPeople() {
        var g = guardOf()
        #expect(g.tick(now: 1, srm: true, breakerOpen: false)?.kind == .pause && g.state.pauseCause == .srm)
        #expect(g.tick(now: 2, srm: false, breakerOpen: false) == nil, "an SRM pause waits for a person")
        #expect(g.command(.resume, now: 3)?.kind == .resume)
        #expect(g.tick(now: 4, srm: false, breakerOpen: true)?.kind == .pause && g.state.pauseCause == .breaker)
        #expect(g.tick(now: 5, srm: false, breakerOpen: false)?.kind == .resume, "the breaker closed")
        #expect(g.command(.pause, now: 6)?.reason == "paused by a person")
        #expect(g.command(.pause, now: 7) == nil)
        _ = g.command(.resume, now: 8)
        // Half the candidate's requests fail: breached, rolled back, 0 %.
        feed(&g, 300, epoch: 0, from: 0, candidateFailsPerTen: 5)
        let back = g.tick(now: 20, srm: false, breakerOpen: false)
        #expect(back?.kind == .rollBack && back?.reason.hasPrefix("error rate breached") == true)
        #expect(g.state.percentage == 0)
        #expect(g.state.weights(Weights([50, 30, 20])!, baseline: 0, candidate: 1).percentages == [80, 0, 20])
        #expect(g.command(.abort, now: 21) == nil, "nothing to abort once rolled back")
        // After a hand moved the others, the weights are still a valid split: the pair's live share is split, the
        // others rescaled to what is left.
        #expect(g.state.weights(Weights([40, 30, 30])!, baseline: 0, candidate: 1).percentages == [70, 0, 30])
    }

    /// The judge guardrail: the candidate's score against the baseline, from the judge's verdicts in the step.
    @Test func theJudgeGuardrailHoldsForAWinnerAndIsBreachedByALoser() {
        func guardOver(candidateWins: Bool) -> RolloutState.Reading? {
            let plan = RolloutPlan(
                baseline: "a", candidate: "b", steps: [10, 100], minStepSeconds: 0, minStepRequests: 1,
                guardrails: [Guardrail(.judge, margin: 0.1)], alpha: 0.05)
            var g = RolloutGuard(plan: plan, infos: Self.infos, pairTotal: 80, epoch: 0, priced: false, at: 0)
            for k in 0..<60 {
                // Entity 1 is the candidate; the pairs come in both orientations.
                var j = Judgement(group: k, promptID: "p\(k)", first: k % 2, second: 1 - k % 2)
                let candidateFirst = j.first == 1
                let firstWins = candidateWins == candidateFirst
                j.inOrder = firstWins ? .a : .b
                j.swapped = firstWins ? .b : .a
                g.judged(j)
            }
            _ = g.tick(now: 1, srm: false, breakerOpen: false)
            return g.state.readings.first
        }
        #expect(guardOver(candidateWins: true)?.state == .holds)
        let losing = guardOver(candidateWins: false)
        #expect(losing?.state == .breached, "\(String(describing: losing))")
        #expect(losing?.text.contains("candidate's score 0–") == true, "\(String(describing: losing))")
    }

    @Test func aPersonResumesPastASampleRatioAlarmOnce() {
        var g = guardOf()
        #expect(g.tick(now: 1, srm: true, breakerOpen: false)?.kind == .pause)
        #expect(g.command(.resume, now: 2)?.kind == .resume)
        // The epoch's alarm stays flagged (a running minimum): the acknowledged epoch no longer pauses.
        #expect(g.tick(now: 3, srm: true, breakerOpen: false) == nil && g.state.phase == .ramping)
        g.beginStep(epoch: 1, at: 4)
        #expect(g.tick(now: 5, srm: true, breakerOpen: false)?.kind == .pause, "a new epoch's alarm pauses again")
    }

    @Test func aSavedRolloutResumesItsStepWithANewWindow() {
        var g = guardOf()
        feed(&g, 400, epoch: 0, from: 0)
        _ = g.tick(now: 11, srm: false, breakerOpen: false)
        _ = g.command(.pause, now: 12)
        let saved = g.state
        let resumed = RolloutGuard(resuming: saved, infos: Self.infos, epoch: 7, priced: false, at: 500)
        #expect(resumed.state.phase == .paused && resumed.state.step == 1 && resumed.epoch == 7)
        #expect(resumed.state.stepStartedAt == 500 && resumed.state.stepRequests == 0)
        #expect(resumed.state.moves.map(\.kind) == [.start, .advance, .pause, .restart])
    }
}
