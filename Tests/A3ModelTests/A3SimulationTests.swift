import Testing
import Workload
@testable import A3Model

/// Whole-trace A^3 runs on small synthetic traces.
@Suite struct A3SimulationTests {
    static let trace = SyntheticTraceGenerator(layers: 2, heads: 3, n: 24, headDim: 8, seed: 11).generate()

    /// Base A^3 selects every visible key; each head's execution is the base pipeline's
    /// 3n + 27 + (n − 1)(n + 9) for n queries of n keys; layers are the sum over the heads of one unit.
    @Test func baseRunCyclesFollowTheClosedForm() {
        let result = A3Simulation.run(trace: Self.trace, traceName: "t", config: A3Config())
        let n = 24
        let head = 3 * n + 27 + (n - 1) * (n + 9)
        #expect(result.selectedPairs == 2 * 3 * n * n)
        #expect(result.preprocessingCycles == 0)
        #expect(result.layers.allSatisfy { $0.cycles == Int64(3 * head) })
        var two = A3Config()
        two.units = 2
        // Heads 0 and 2 on unit 0: the layer is two heads long.
        #expect(A3Simulation.run(trace: Self.trace, traceName: "t", config: two).layers[0].cycles == Int64(2 * head))
    }

    /// Approximate runs: results identical across thread counts; kept ≤ candidates ≤ visible; the
    /// preprocessing is the cost model's per head; the kept keys are what the functional model sets.
    @Test func approximateRunIsDeterministicAndConsistent() {
        var config = A3Config()
        config.approximation.enabled = true
        config.approximation.iterationsFraction = 0.25
        config.approximation.thresholdPercent = 10
        let one = A3Simulation.run(trace: Self.trace, traceName: "t", config: config, threads: 1)
        let three = A3Simulation.run(trace: Self.trace, traceName: "t", config: config, threads: 3)
        #expect(one == three)
        #expect(one.selectedPairs <= one.candidatePairs && one.candidatePairs <= one.totalPairs)
        #expect(one.selectedPairs < one.totalPairs)
        #expect(one.layers[0].preprocessingCycles == 3 * config.preprocessing.cycles(columns: 8, keys: 24))
        let selection = A3FunctionalModel(config: config).selectHead(trace: Self.trace, layer: 1, queryHead: 2)
        var bits = 0
        for i in 0 ..< 24 { for y in 0 ..< 24 where selection.isSelected(query: i, key: y) { bits += 1 } }
        #expect(bits == selection.selectedPairs)
        #expect(selection.work.allSatisfy { $0.iterations == 6 })
    }
}
