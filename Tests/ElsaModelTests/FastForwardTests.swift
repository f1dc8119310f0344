import Testing
import Foundation
import SimCore
import Workload
@testable import ElsaModel

/// The event engine's steady-state fast-forward (docs/model.md §10): it changes no counter of
/// `HeadTiming` and no per-query record, applies on long exact heads whose remaining queries have the
/// same work, and not where it must not (causal heads, short heads, approximate mode, timelines).
/// The expectation is always the same engine with the fast-forward off, or the cycle-stepped reference
/// engine; the number of skipped queries (`ElsaPipeline.simulate(…, fastForward:)`) shows whether it fired.
@Suite struct FastForwardTests {
    static func parameters(pa: Int = 4, pc: Int = 8, depth: Cycle = 3, queue: Int = 4, accumulators: Int = 2,
                           exact: Bool = true) -> TimingParameters {
        // ELSA-base's constants by default (Configs/elsa-base.json: d = 64, m_o = 16 → II = 4).
        TimingParameters(attentionModules: pa, selectorsPerModule: pc, hashCycles: 1, selectorDepth: depth, queueDepth: queue,
                         attentionLatency: 4, accumulators: accumulators, outputDivisionCycles: 4, outputDivisionLatency: 2,
                         normKeysPerCycle: 1, normLatency: 0, arbiter: .longestQueueFirst, bankMapping: .contiguous,
                         exact: exact)
    }

    static func nonCausal(_ n: Int) -> SelectionMatrix {
        .all(keys: n, visible: ContiguousArray(repeating: n, count: n))
    }

    /// Runs the event engine to the end and returns the pipeline (its per-query records included).
    static func finishedPipeline(_ p: TimingParameters, _ m: SelectionMatrix, fastForward: Bool) -> ElsaPipeline {
        ElsaPipeline.finished(ElsaPipeline(parameters: p, selection: m, fastForward: fastForward))
    }

    /// Seeded random long exact heads (`RandomSteadyStateCase`): with and without the fast-forward, and
    /// against the reference engine, every field agrees. The fast-forward fires on every shape whose
    /// visible counts end in a constant run, and never on causal heads (every query has other work).
    @Test func randomSteadyStateCasesAgreeOnEveryField() {
        let seeds = UInt64(0) ..< 160
        var fired: [RandomSteadyStateCase.Shape: Int] = [:]
        var drawn: [RandomSteadyStateCase.Shape: Int] = [:]
        for seed in seeds {
            let c = RandomSteadyStateCase(seed: seed)
            let (mismatch, skipped) = EngineEquivalence.checkSteadyState(seed: seed)
            if let mismatch { Issue.record("engines differ on \(mismatch)") }
            drawn[c.shape, default: 0] += 1
            if skipped > 0 { fired[c.shape, default: 0] += 1 }
            #expect(skipped >= 0 && skipped < c.selection.queries)
        }
        #expect(fired[.causal, default: 0] == 0)
        for shape in [RandomSteadyStateCase.Shape.constant, .tile, .ramp, .randomPrefix] {
            #expect(fired[shape, default: 0] > 0, "the fast-forward never fired on \(shape.rawValue) heads")
        }
        #expect(drawn.count == RandomSteadyStateCase.Shape.allCases.count)
        print("FastForwardTests: \(seeds.count) steady-state cases agree; fast-forward fired per shape \(fired) of \(drawn)")
    }

    /// An ELSA-base-shaped head (n = 512, non-causal): the fast-forward fires, every `HeadTiming` field
    /// and every per-query record (query starts, output division starts, each bank's leave and
    /// partial-result cycles) equals the fully simulated run, and both equal the reference engine.
    @Test func elsaBaseShapedHeadSkipsAndKeepsEveryRecord() {
        let p = Self.parameters()
        let m = Self.nonCausal(512)
        let fast = ElsaPipeline.simulate(parameters: p, selection: m, fastForward: true)
        let plain = ElsaPipeline.simulate(parameters: p, selection: m, fastForward: false)
        #expect(fast.skippedQueries > 0)
        #expect(plain.skippedQueries == 0)
        print("FastForwardTests: ELSA-base-shaped head, n = 512: \(fast.skippedQueries) queries skipped")
        #expect(fast.timing == plain.timing)
        let reference = ReferencePipeline.simulate(parameters: p, selection: m)
        #expect(fast.timing.firstDifference(from: reference, selectorsPerModule: p.selectorsPerModule) == nil)

        let a = Self.finishedPipeline(p, m, fastForward: true), b = Self.finishedPipeline(p, m, fastForward: false)
        #expect(a.fastForward.skippedQueries == fast.skippedQueries)
        #expect(a.queryStart == b.queryStart)
        #expect(a.outputDivisionStart == b.outputDivisionStart)
        for (x, y) in zip(a.banks, b.banks) {
            #expect(x.leftAt == y.leftAt)
            #expect(x.partialAvailable == y.partialAvailable)
        }
    }

    /// Across queue depths, pipeline depths and accumulator counts (both sides of `Q ≥ D` and of the
    /// accumulator gate binding), with both arbiters and mappings: equal with and without.
    @Test func constantsAroundTheQueueAndGateBoundaries() {
        var firedAny = false
        for queue in [1, 2, 3, 8] {
            for depth: Cycle in [1, 3, 6] {
                for accumulators in [2, 3] {
                    for arbiter in ArbiterPolicy.allCases {
                        for mapping in BankMapping.allCases {
                            var p = Self.parameters(pa: 3, pc: 5, depth: depth, queue: queue, accumulators: accumulators)
                            p.arbiter = arbiter
                            p.bankMapping = mapping
                            let m = Self.nonCausal(97)
                            let fast = ElsaPipeline.simulate(parameters: p, selection: m, fastForward: true)
                            let plain = ElsaPipeline.simulate(parameters: p, selection: m, fastForward: false)
                            firedAny = firedAny || fast.skippedQueries > 0
                            #expect(fast.timing.firstDifference(from: plain.timing, selectorsPerModule: 5) == nil,
                                    "Q=\(queue) D=\(depth) B=\(accumulators) \(arbiter) \(mapping)")
                        }
                    }
                }
            }
        }
        #expect(firedAny)
    }

    /// Where it must not fire: causal exact heads (each query sees one more key), approximate mode (rows
    /// differ in general, so the mode is excluded even when every key is selected), and heads too short
    /// to leave a jump of two queries after the first comparable start (n ≤ B_acc + 5 with B_acc = 2).
    @Test func doesNotFireWhereItMustNot() {
        let p = Self.parameters()
        let causal = SelectionMatrix.all(keys: 300, visible: ContiguousArray((0 ..< 300).map { $0 + 1 }))
        let c = ElsaPipeline.simulate(parameters: p, selection: causal, fastForward: true)
        #expect(c.skippedQueries == 0)
        #expect(c.timing == ElsaPipeline.simulate(parameters: p, selection: causal, fastForward: false).timing)

        let approximate = Self.parameters(exact: false)
        let a = ElsaPipeline.simulate(parameters: approximate, selection: Self.nonCausal(200), fastForward: true)
        #expect(a.skippedQueries == 0)

        for n in 1 ... 7 {
            let s = ElsaPipeline.simulate(parameters: p, selection: Self.nonCausal(n), fastForward: true)
            #expect(s.skippedQueries == 0)
            let reference = ReferencePipeline.simulate(parameters: p, selection: Self.nonCausal(n))
            #expect(s.timing.firstDifference(from: reference, selectorsPerModule: p.selectorsPerModule) == nil)
        }
    }

    /// A timeline needs every cycle: the recording run simulates them all, and its timing equals the
    /// fast-forwarded one.
    @Test func recordingSimulatesEveryQuery() {
        let p = Self.parameters()
        let m = Self.nonCausal(64)
        let fast = ElsaPipeline.simulate(parameters: p, selection: m, fastForward: true)
        #expect(fast.skippedQueries > 0)
        let (timing, recording) = ElsaPipeline.simulateRecording(parameters: p, selection: m)
        #expect(timing.firstDifference(from: fast.timing, selectorsPerModule: p.selectorsPerModule) == nil)
        // Every query's attention intervals are recorded in every bank.
        var queriesSeen = Set<Int>()
        for interval in recording.intervals {
            if case .attention = interval.unit, interval.state == .busy { queriesSeen.insert(interval.query) }
        }
        #expect(queriesSeen == Set(0 ..< 64))
    }
}
