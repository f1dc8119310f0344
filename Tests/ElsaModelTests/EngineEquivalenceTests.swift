import Testing
import Foundation
import SimCore
import Workload
@testable import ElsaModel

/// Randomized equivalence of the two timing engines (docs/validation.md, "Randomized equivalence"):
/// the discrete-event `ElsaPipeline` and the cycle-stepped `ReferencePipeline` must return the same
/// `HeadTiming` — every counter of docs/model.md §5 — on every seeded random case. `make test` checks
/// a further block of seeds with `elsa-sim validate`; `make soak` checks 100 000.
@Suite struct EngineEquivalenceTests {
    /// Seeds 0 ..< this are checked here; `make test` continues from here with `elsa-sim validate`.
    static let cases: UInt64 = 1000

    @Test func randomCasesAgreeOnEveryField() {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let mismatches = EngineEquivalence.check(seeds: 0 ..< Self.cases, threads: threads)
        for mismatch in mismatches.prefix(10) {
            Issue.record("engines differ on \(mismatch)")
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(Self.cases) random cases differ")
        if mismatches.isEmpty {
            print("EngineEquivalenceTests: \(Self.cases) random cases passed (seeds 0…\(Self.cases - 1), every HeadTiming field equal)")
        }
    }

    /// Tiled heads (docs/model.md §9): n above a random key-memory capacity, causal and not, serial and
    /// overlapped; both engines agree on every tile and on the composed head.
    @Test func randomTiledCasesAgreeOnEveryField() {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let mismatches = EngineEquivalence.checkTiled(seeds: 0 ..< 300, threads: threads)
        for mismatch in mismatches.prefix(10) { Issue.record("engines differ on \(mismatch)") }
        #expect(mismatches.isEmpty, "\(mismatches.count) of 300 tiled cases differ")
        var causal = Set<Bool>(), modes = Set<TilePreprocessing>(), exact = Set<Bool>(), sawThreeTiles = false
        for seed in UInt64(0) ..< 300 {
            let c = RandomTiledCase(seed: seed)
            #expect(c.selection.keys > c.capacity)
            causal.insert(c.causal); modes.insert(c.mode); exact.insert(c.parameters.exact)
            sawThreeTiles = sawThreeTiles || c.selection.keys > 2 * c.capacity
            // The composed head conserves cycles and respects its composed lower bound (docs/model.md §9.4).
            if seed < 100 {
                let outcome = HeadSimulation.simulate(parameters: c.parameters, selection: c.selection, engine: .event,
                                                      capacity: c.capacity, mode: c.mode)
                #expect(outcome.timing.isConserved && outcome.analytic.lowerBound <= outcome.timing.totalCycles, "\(c.summary)")
            }
        }
        #expect(causal.count == 2 && modes.count == 2 && exact.count == 2 && sawThreeTiles)
    }

    /// Grouped-query heads of a causal synthetic trace longer than the key memory: the whole simulation
    /// (functional model, tiling, both engines) gives the same result on either engine.
    @Test func tiledGroupedQueryTraceAgreesOnBothEngines() throws {
        let trace = SyntheticTraceGenerator(layers: 1, heads: 3, kvHeads: 1, n: 70, headDim: 8, seed: 21, causal: true).generate()
        var config = ElsaConfig()
        config.headDim = 8
        config.hash.bits = 8
        config.hash.kroneckerFactors = [2, 4]
        config.keyMemoryCapacity = 32
        config.longSequences = .tile
        for mode in TilePreprocessing.allCases {
            config.tiling.preprocessing = mode
            let model = try ElsaFunctionalModel(config: config)
            let event = try ElsaSimulation.run(trace: trace, traceName: "t", model: model, engine: .event, quality: false)
            let reference = try ElsaSimulation.run(trace: trace, traceName: "t", model: model, engine: .reference, quality: false)
            #expect(event == reference)
            #expect(event.layers[0].heads.allSatisfy { $0.tiling?.tiles == 3 && $0.timing.isConserved })
        }
    }

    /// The event engine's steady-state fast-forward (docs/model.md §10) is on in the comparison above:
    /// it fires in some of those cases (exact, non-causal, long enough), so the reference engine checks
    /// it there, and it never fires on a causal or an approximate case. (`FastForwardTests` and
    /// `elsa-sim validate --steady-state` draw long exact heads on purpose.)
    @Test func fastForwardFiresInSomeRandomCases() {
        var fired = 0
        for seed in 0 ..< Self.cases {
            let c = RandomTimingCase(seed: seed)
            let skipped = ElsaPipeline.simulate(parameters: c.parameters, selection: c.selection, fastForward: true).skippedQueries
            if skipped > 0 {
                fired += 1
                #expect(c.parameters.exact && !c.causal, "\(c.summary)")
            }
        }
        #expect(fired > 0)
        print("EngineEquivalenceTests: the fast-forward fired in \(fired) of \(Self.cases) random cases")
    }

    /// A case is a pure function of its seed, so a reported seed reproduces the failure.
    @Test func casesAreReproducibleFromTheirSeed() {
        for seed: UInt64 in [0, 1, 77, 123_456, UInt64(Int32.max)] {
            let a = RandomTimingCase(seed: seed), b = RandomTimingCase(seed: seed)
            #expect(a.parameters == b.parameters)
            #expect(a.selection == b.selection)
            #expect(a.summary == b.summary)
            #expect(a.reproducer == "elsa-sim validate --seed \(seed)")
        }
        #expect(RandomTimingCase(seed: 1).selection != RandomTimingCase(seed: 2).selection
            || RandomTimingCase(seed: 1).parameters != RandomTimingCase(seed: 2).parameters)
    }

    /// The seeds checked above really cover what docs/validation.md says they cover: every pattern,
    /// both arbiters and mappings, exact and approximate, causal and not, depth-1 queues, the extreme
    /// constants, and n from 1 to above 128.
    @Test func generatorCoversTheDocumentedSpace() {
        var patterns = Set<RandomTimingCase.Pattern>()
        var arbiters = Set<String>(), mappings = Set<String>()
        var exact = Set<Bool>(), causal = Set<Bool>(), lookup = Set<Bool>()
        var sawDepthOneQueue = false, sawOneToken = false, sawLarge = false, sawNormBound = false
        var sawEmptySelection = false, sawFullSelection = false
        var ranges: [String: ClosedRange<Int>] = [:]
        func note(_ name: String, _ value: Int) {
            ranges[name] = ranges[name].map { min($0.lowerBound, value) ... max($0.upperBound, value) } ?? value ... value
        }
        for seed in 0 ..< Self.cases {
            let c = RandomTimingCase(seed: seed)
            let p = c.parameters
            let n = c.selection.keys
            patterns.insert(c.pattern)
            arbiters.insert(p.arbiter.rawValue)
            mappings.insert(p.bankMapping.rawValue)
            exact.insert(p.exact)
            causal.insert(c.causal)
            lookup.insert(c.biasLookup)
            #expect(c.selection.visible == ContiguousArray((0 ..< n).map { c.causal ? $0 + 1 : n }))
            sawDepthOneQueue = sawDepthOneQueue || p.queueDepth == 1
            sawOneToken = sawOneToken || n == 1
            sawLarge = sawLarge || n > 128
            let normEnd = Cycle((n + p.normKeysPerCycle - 1) / p.normKeysPerCycle) + p.normLatency
            sawNormBound = sawNormBound || (!p.exact && normEnd > p.hashCycles * Cycle(n + 1))
            sawEmptySelection = sawEmptySelection || (!p.exact && n > 1 && c.selection.selectedPairs == 0)
            sawFullSelection = sawFullSelection || (!p.exact && n > 1 && c.selection.selectedPairs == c.selection.totalPairs)
            note("Pa", p.attentionModules); note("Pc", p.selectorsPerModule); note("H", Int(p.hashCycles))
            note("D", Int(p.selectorDepth)); note("Q", p.queueDepth); note("L_att", Int(p.attentionLatency))
            note("B_acc", p.accumulators); note("II", Int(p.outputDivisionCycles)); note("L_od", Int(p.outputDivisionLatency))
            note("R_norm", p.normKeysPerCycle); note("L_norm", Int(p.normLatency)); note("n", n)
        }
        #expect(patterns == Set(RandomTimingCase.Pattern.allCases))
        #expect(arbiters.count == 2 && mappings.count == 2 && exact.count == 2 && causal.count == 2 && lookup.count == 2)
        #expect(sawDepthOneQueue && sawOneToken && sawLarge && sawNormBound && sawEmptySelection && sawFullSelection)
        let documented: [String: ClosedRange<Int>] = ["Pa": 1 ... 8, "Pc": 1 ... 16, "H": 1 ... 12, "D": 1 ... 7, "Q": 1 ... 8,
                                                      "L_att": 1 ... 8, "B_acc": 2 ... 4, "II": 1 ... 16, "L_od": 0 ... 4,
                                                      "R_norm": 1 ... 16, "L_norm": 0 ... 8]
        for (name, range) in documented { #expect(ranges[name] == range, "\(name) drawn in \(String(describing: ranges[name]))") }
        #expect(ranges["n"]!.lowerBound == 1 && ranges["n"]!.upperBound > 250)
    }

    /// `firstDifference` names the first differing field, in docs/model.md §5 order, with both values.
    @Test func firstDifferenceNamesTheField() {
        let unit = UnitActivity(busy: 2, blocked: 1, starved: 0, idle: 3)
        let base = HeadTiming(totalCycles: 6, preprocessingCycles: 0, hash: UnitActivity(idle: 6), norm: UnitActivity(idle: 6),
                              selectors: [unit, unit, unit, unit], attention: [unit, unit], outputDivision: unit,
                              queues: Array(repeating: OccupancyStats(maximum: 1, cycleSum: 2), count: 4))
        #expect(base.firstDifference(from: base, selectorsPerModule: 2) == nil)
        var other = base
        other.selectors[3].blocked = 2
        other.queues[0].cycleSum = 5
        #expect(base.firstDifference(from: other, selectorsPerModule: 2)
            == "selector 3 (bank 1, lane 1): event busy 2 blocked 1 starved 0 idle 3, reference busy 2 blocked 2 starved 0 idle 3")
        other = base
        other.queues[2].maximum = 4
        #expect(base.firstDifference(from: other, selectorsPerModule: 2)
            == "queue of selector 2 (bank 1, lane 0): event max 1 slot-cycles 2, reference max 4 slot-cycles 2")
        other.totalCycles = 7
        #expect(base.firstDifference(from: other, selectorsPerModule: 2) == "total cycles T: event 6, reference 7")
    }
}
