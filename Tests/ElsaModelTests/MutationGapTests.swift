import Testing
import SimCore
import Workload
@testable import ElsaModel

/// Issue 19, mutation gaps: checks that a plausible one-line bug would fail, each expectation derived by
/// hand from the rule in docs/ (model.md §4, §6; energy.md §2; quality.md §1).
@Suite struct MutationGapTests {
    /// n keys, none selected, every key visible to every query.
    static func emptySelection(_ n: Int) -> SelectionMatrix {
        SelectionMatrix(keys: n, visible: ContiguousArray(repeating: n, count: n))
    }

    /// IV-D closed form's hash term with 768 / m_h not whole: H = ⌈768 / m_h⌉ (d = 64, Kronecker
    /// [4, 4, 4]: 64 · (4 + 4 + 4) = 768 multiplies per vector). m_h = 100: H = 8 (floor would give 7).
    /// With n = 16, Pa = 4, Pc = 8, no key selected: scan = ⌈4 / 8⌉ = 1, c = 0, II = ⌈64 / 16⌉ = 4, so
    /// every query costs max(8, 1, 0, 4) = 8 and the closed form is H·(n + 1) + 16·8 = 136 + 128 = 264.
    @Test func hashTermRoundsUp() {
        var c = ElsaConfig()
        c.hash.multipliers = 100
        let p = TimingParameters(config: c)
        #expect(p.hashCycles == 8)
        let model = AnalyticModel(parameters: p, selection: Self.emptySelection(16))
        #expect(model.paperClosedForm == 264)
        let bound = SteadyStateBound(parameters: p, selection: Self.emptySelection(16))
        #expect(bound.cycles == 128)
        #expect(bound.hash == 16)
        // m_h = 500: ⌈768 / 500⌉ = 2 (floor 1): max(2, 1, 0, 4) = 4 per query, closed form 2·17 + 64 = 98.
        c.hash.multipliers = 500
        let q = TimingParameters(config: c)
        #expect(q.hashCycles == 2)
        #expect(AnalyticModel(parameters: q, selection: Self.emptySelection(16)).paperClosedForm == 98)
    }

    /// m_o not dividing d: the output division takes ⌈d / m_o⌉ cycles per query (model.md §4). d = 64,
    /// m_o = 5: ⌈12.8⌉ = 13 (floor 12). Exact mode, n = 16, Pa = 4: every bank holds 4 keys, all selected,
    /// scan ⌈4 / 8⌉ = 1, so each query costs max(0, 1, 4, 13) = 13: closed form 16 · 13 = 208.
    @Test func outputDivisionCyclesRoundUp() {
        var c = ElsaConfig()
        c.approximation.mode = .exact
        c.outputDivision.multipliers = 5
        let p = TimingParameters(config: c)
        #expect(p.outputDivisionCycles == 13)
        let all = SelectionMatrix.all(keys: 16, visible: ContiguousArray(repeating: 16, count: 16))
        #expect(AnalyticModel(parameters: p, selection: all).paperClosedForm == 208)
        // The simulated output division is busy 13 cycles for each of the 16 queries (208 in all).
        let trace = SyntheticTraceGenerator(layers: 1, heads: 1, n: 16, headDim: 64, seed: 2).generate()
        let result = try? ElsaSimulation.run(trace: trace, traceName: "t", model: try ElsaFunctionalModel(config: c))
        #expect(result?.layers[0].heads[0].timing.outputDivision.busy == 208)
    }

    /// Static energy of a layer whose heads differ in length: with A = 2 accelerators and 3 heads (heads
    /// 0 and 2 on accelerator 0, head 1 on accelerator 1), the layer lasts max(c0 + c2, c1) cycles and
    /// both accelerators leak over all of it: static = 2 · (Σ static mW) · max(c0 + c2, c1) pJ at 1 GHz
    /// (energy.md §2). Summing the heads' own times instead gives c0 + c1 + c2, which differs.
    @Test func layerStaticEnergyWithUnequalHeads() throws {
        var c = ElsaConfig()
        c.accelerators = 2
        let trace = SyntheticTraceGenerator(layers: 1, heads: 3, n: 40, headDim: 64, seed: 11).generate()
        let result = try ElsaSimulation.run(trace: trace, traceName: "t", model: try ElsaFunctionalModel(config: c))
        let cycles = result.layers[0].heads.map { Double($0.timing.totalCycles) }
        try #require(cycles.count == 3)
        #expect(Set(cycles).count > 1, "the heads must differ in length for this test to discriminate")
        let layerTime = max(cycles[0] + cycles[2], cycles[1])
        let allStatic = TableI.coreTotal.2 + TableI.externalTotal.2
        let layer = EnergyModel(config: c).report(for: result).layers[0]
        #expect(isClose(layer.energy.staticTotalPJ, 2 * allStatic * layerTime))
        #expect(!isClose(layer.energy.staticTotalPJ, 2 * allStatic * cycles.reduce(0, +) / 2) || cycles[0] + cycles[2] == cycles[1])
    }

    /// A quality measurement against a head whose stored `out` differs from exact attention: the metric
    /// uses exact attention recomputed from q, k, v (so it equals the metric of the same trace without
    /// `out`), and the disagreeing head is reported with its rows.
    @Test func staleStoredOutIsNotTrusted() throws {
        let clean = SyntheticTraceGenerator(layers: 1, heads: 2, n: 24, headDim: 16, seed: 9).generate()
        var stale = clean
        var out = try #require(clean.layers[0].out)
        // Head 1, rows 3 and 5: shifted by 1 (far beyond 1e-3 + 1e-2·|O|).
        for row in [3, 5] {
            let base = out.offset(head: 1, row: row)
            for c in 0 ..< out.dim { out.storage[base + c] += 1 }
        }
        stale.layers[0].out = out
        var noOut = clean
        noOut.layers[0].out = nil
        var config = ElsaConfig()
        config.headDim = 16
        config.hash.kroneckerFactors = [4, 4]
        config.hash.bits = 16
        let model = try ElsaFunctionalModel(config: config)
        let a = try ElsaSimulation.run(trace: stale, traceName: "stale", model: model)
        let b = try ElsaSimulation.run(trace: noOut, traceName: "none", model: model)
        let qa = try #require(a.quality), qb = try #require(b.quality)
        #expect(qa.outputError == qb.outputError)
        #expect(qa.errorSquaredSum == qb.errorSquaredSum)
        #expect(qa.storedOutMismatches == [StoredOutMismatch(layer: 0, head: 1, rows: 2, largestDeviation: qa.storedOutMismatches.first?.largestDeviation ?? 0)])
        #expect(abs((qa.storedOutMismatches.first?.largestDeviation ?? 0) - 1) < 1e-5)
        // The clean trace's stored out (written from exact attention) agrees everywhere.
        let c = try ElsaSimulation.run(trace: clean, traceName: "clean", model: model)
        #expect(c.quality?.storedOutMismatches == [])
    }
}
