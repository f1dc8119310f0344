import Testing
import SimCore
import Workload
@testable import ElsaModel

/// ELSA Table I (ISCA 2021; digest §1.4), typed in here from the paper — not read from the code — as
/// (area mm², dynamic mW, static mW). The K/V and Q/O rows are per memory ("36 KB each").
enum TableI {
    static let hash = (0.202, 115.08, 2.23)
    static let norm = (0.006, 9.91, 0.07)
    static let candidateSelection = (0.180, 78.41, 1.95)   // 32×
    static let attention = (0.666, 566.42, 7.53)           // 4×
    static let outputDivision = (0.022, 11.42, 0.19)
    static let keyHashMemory = (0.141, 139.91, 1.05)
    static let keyNormMemory = (0.038, 34.9, 0.29)
    static let keyValueMemory = (0.253, 167.39, 2.29)      // each of K, V
    static let queryOutputMemory = (0.193, 91.03, 1.72)    // each of Q, O
    static let core = [hash, norm, candidateSelection, attention, outputDivision, keyHashMemory, keyNormMemory]
    static let external = [keyValueMemory, keyValueMemory, queryOutputMemory, queryOutputMemory]
    /// The table's total rows.
    static let coreTotal = (1.255, 956.05, 13.31)
    static let externalTotal = (0.892, 516.84, 8.02)
}

func isClose(_ a: Double, _ b: Double, relative: Double = 1e-9) -> Bool {
    abs(a - b) <= relative * max(abs(a), abs(b), 1e-12)
}

@Suite struct EnergyModelTests {
    /// The typed-in rows add up to the table's own totals (guards the test's table against typos).
    @Test func typedTableAddsUpToItsTotals() {
        #expect(isClose(TableI.core.reduce(0) { $0 + $1.0 }, TableI.coreTotal.0))
        #expect(isClose(TableI.core.reduce(0) { $0 + $1.1 }, TableI.coreTotal.1))
        #expect(isClose(TableI.core.reduce(0) { $0 + $1.2 }, TableI.coreTotal.2))
        #expect(isClose(TableI.external.reduce(0) { $0 + $1.0 }, TableI.externalTotal.0))
        #expect(isClose(TableI.external.reduce(0) { $0 + $1.1 }, TableI.externalTotal.1))
        #expect(isClose(TableI.external.reduce(0) { $0 + $1.2 }, TableI.externalTotal.2))
    }

    /// Every module 100 % busy for T cycles at the paper's config (every instance busy each cycle, every
    /// memory port accessed each cycle: 32 selector reads of the key hash and key norm memories, 4 attention
    /// reads of K and of V, one Q and one output access) costs exactly Table I's dynamic + static power × T.
    @Test(arguments: [Cycle(1), 1000, 123_457])
    func fullActivityCostsTableIPowerTimesTime(cycles t: Cycle) {
        let activity = ActivityCounts(cycles: t, queries: 7, approximate: true, events: [
            .hash: t, .norm: t, .candidateSelection: 32 * t, .attention: 4 * t, .outputDivision: t,
            .keyHashMemory: 32 * t, .keyNormMemory: 32 * t, .keyMemory: 4 * t, .valueMemory: 4 * t,
            .queryMemory: t, .outputMemory: t,
        ])
        let e = EnergyModel(config: ElsaConfig()).energy(of: activity)
        // mW × ns = pJ; 1 GHz: T cycles = T ns.
        let expectedCore = (TableI.coreTotal.1 + TableI.coreTotal.2) * Double(t)
        let expectedExternal = (TableI.externalTotal.1 + TableI.externalTotal.2) * Double(t)
        #expect(isClose(e.totalPJ, expectedCore + expectedExternal))
        #expect(isClose(e.totalPJ(.externalMemory), expectedExternal))
        #expect(isClose(e.dynamicTotalPJ, (TableI.coreTotal.1 + TableI.externalTotal.1) * Double(t)))
        #expect(isClose(e.staticTotalPJ, (TableI.coreTotal.2 + TableI.externalTotal.2) * Double(t)))
        #expect(isClose(e.totalPJ(.attention), (TableI.attention.1 + TableI.attention.2) * Double(t)))
        #expect(isClose(e.averagePowerMW, TableI.coreTotal.1 + TableI.coreTotal.2 + TableI.externalTotal.1 + TableI.externalTotal.2))
        #expect(isClose(e.energyPerQueryPJ, e.totalPJ / 7))
    }

    /// The same activity at a 2 GHz simulated clock: the same dynamic energy (energy per cycle comes from
    /// the synthesis clock), half the static energy (half the time).
    @Test func simulatedClockChangesOnlyStaticEnergy() {
        var fast = ElsaConfig()
        fast.clockGHz = 2
        let t: Cycle = 500
        let activity = ActivityCounts(cycles: t, queries: 1, approximate: true, events: [.attention: 4 * t, .keyMemory: 4 * t])
        let slow = EnergyModel(config: ElsaConfig()).energy(of: activity)
        let quick = EnergyModel(config: fast).energy(of: activity)
        #expect(isClose(quick.dynamicTotalPJ, slow.dynamicTotalPJ))
        #expect(isClose(quick.dynamicTotalPJ, (TableI.attention.1 + TableI.keyValueMemory.1) * Double(t)))
        #expect(isClose(quick.staticTotalPJ, slow.staticTotalPJ / 2))
        #expect(isClose(quick.timeNS, 250))
    }

    @Test func areaAtThePaperConfigIsTableI() {
        let a = AreaModel.area(config: ElsaConfig())
        #expect(isClose(a.coreMM2, TableI.coreTotal.0))
        #expect(isClose(a.externalMemoryMM2, TableI.externalTotal.0))
        #expect(isClose(a.acceleratorMM2, 2.147))
        #expect(isClose(a.peakDynamicMW, TableI.coreTotal.1 + TableI.externalTotal.1))
        #expect(isClose(a.staticMW, TableI.coreTotal.2 + TableI.externalTotal.2))
        var twelve = ElsaConfig()
        twelve.accelerators = 12
        // Table I: 12 accelerators 15.06 mm², their memories 10.704 mm².
        #expect(isClose(AreaModel.area(config: twelve).totalMM2, 15.06 + 10.704))
    }

    /// Doubling Pa doubles the attention rows (area, static, peak dynamic) and the candidate selection rows
    /// (Pa·Pc selectors) and the norm row (its default rate is one key per attention module); the energy of
    /// one busy cycle of one attention module and of one memory access is unchanged; memories keep their
    /// area (same capacity) and double their peak (twice the ports). `docs/energy.md` §1.
    @Test func doublingPaScalesTheAttentionRowsAsDocumented() {
        var c = ElsaConfig()
        c.attentionModules = 8
        let a = AreaModel.area(config: c)
        let attention = a.row(.attention)
        #expect(isClose(attention.areaMM2, 2 * TableI.attention.0))
        #expect(isClose(attention.staticMW, 2 * TableI.attention.2))
        #expect(isClose(attention.peakDynamicMW, 2 * TableI.attention.1))
        #expect(isClose(attention.energyPerEventPJ, TableI.attention.1 / 4))
        #expect(isClose(a.row(.candidateSelection).areaMM2, 2 * TableI.candidateSelection.0))
        #expect(isClose(a.row(.candidateSelection).energyPerEventPJ, TableI.candidateSelection.1 / 32))
        #expect(isClose(a.row(.norm).areaMM2, 2 * TableI.norm.0))
        #expect(isClose(a.row(.hash).areaMM2, TableI.hash.0))
        #expect(isClose(a.row(.outputDivision).areaMM2, TableI.outputDivision.0))
        for m in [EnergyComponent.keyMemory, .valueMemory] {
            #expect(isClose(a.row(m).areaMM2, TableI.keyValueMemory.0))
            #expect(isClose(a.row(m).energyPerEventPJ, TableI.keyValueMemory.1 / 4))
            #expect(isClose(a.row(m).peakDynamicMW, 2 * TableI.keyValueMemory.1))
        }
        #expect(isClose(a.coreMM2, TableI.coreTotal.0 + TableI.attention.0 + TableI.candidateSelection.0 + TableI.norm.0))
        #expect(isClose(a.externalMemoryMM2, TableI.externalTotal.0))
    }

    /// The other documented rules: hash ∝ m_h, output division ∝ m_o, selection ∝ Pa·Pc, memories ∝
    /// capacity (key hash n·k, key norm n, K/V/Q/O n·d), attention ∝ d.
    @Test func otherScalingRules() {
        var c = ElsaConfig()
        c.hash.multipliers = 64
        c.outputDivision.multipliers = 32
        c.selectorsPerModule = 2
        c.keyMemoryCapacity = 1024
        let a = AreaModel.area(config: c)
        #expect(isClose(a.row(.hash).areaMM2, TableI.hash.0 / 4))
        #expect(isClose(a.row(.hash).energyPerEventPJ, TableI.hash.1 / 4))
        #expect(isClose(a.row(.outputDivision).areaMM2, TableI.outputDivision.0 * 2))
        #expect(isClose(a.row(.outputDivision).energyPerEventPJ, TableI.outputDivision.1 * 2))
        #expect(isClose(a.row(.candidateSelection).areaMM2, TableI.candidateSelection.0 / 4))
        #expect(isClose(a.row(.candidateSelection).energyPerEventPJ, TableI.candidateSelection.1 / 32))
        #expect(isClose(a.row(.keyHashMemory).areaMM2, TableI.keyHashMemory.0 * 2))
        #expect(isClose(a.row(.keyHashMemory).energyPerEventPJ, TableI.keyHashMemory.1 / 32 * 2))
        #expect(isClose(a.row(.keyNormMemory).staticMW, TableI.keyNormMemory.2 * 2))
        #expect(isClose(a.row(.queryMemory).areaMM2, TableI.queryOutputMemory.0 * 2))
        #expect(isClose(a.row(.queryMemory).energyPerEventPJ, TableI.queryOutputMemory.1 * 2))

        var narrow = ElsaConfig()
        narrow.headDim = 32
        narrow.hash.bits = 32
        narrow.hash.kroneckerFactors = [4, 4, 2]
        let b = AreaModel.area(config: narrow)
        #expect(isClose(b.row(.attention).areaMM2, TableI.attention.0 / 2))
        #expect(isClose(b.row(.attention).energyPerEventPJ, TableI.attention.1 / 4 / 2))
        #expect(isClose(b.row(.keyHashMemory).areaMM2, TableI.keyHashMemory.0 / 2))
        #expect(isClose(b.row(.keyNormMemory).areaMM2, TableI.keyNormMemory.0))
        #expect(isClose(b.row(.valueMemory).areaMM2, TableI.keyValueMemory.0 / 2))
        #expect(isClose(b.row(.hash).areaMM2, TableI.hash.0))
    }

    /// Counts derived from a hand-built timing (n = 10 queries, approximate and exact).
    @Test func activityCountsFromTiming() {
        let t: Cycle = 200
        let timing = HeadTiming(totalCycles: t, preprocessingCycles: 33,
                                hash: UnitActivity(busy: 60, idle: 140), norm: UnitActivity(busy: 3, idle: 197),
                                selectors: [UnitActivity(busy: 40, idle: 160), UnitActivity(busy: 60, idle: 140)],
                                attention: [UnitActivity(busy: 25, idle: 175), UnitActivity(busy: 17, idle: 183)],
                                outputDivision: UnitActivity(busy: 40, idle: 160), queues: [])
        let a = ActivityCounts(timing: timing, queries: 10, approximate: true)
        #expect(a.cycles == 200 && a.queries == 10)
        #expect(a[.hash] == 60 && a[.norm] == 3 && a[.candidateSelection] == 100 && a[.attention] == 42)
        #expect(a[.outputDivision] == 40)
        #expect(a[.keyHashMemory] == 100 + 10 && a[.keyNormMemory] == 100 + 10)   // reads + n writes
        #expect(a[.keyMemory] == 42 + 20 && a[.valueMemory] == 42)                 // + 2n preprocessing reads
        #expect(a[.queryMemory] == 20 && a[.outputMemory] == 10)
        let x = ActivityCounts(timing: timing, queries: 10, approximate: false)
        #expect(x[.hash] == 0 && x[.norm] == 0 && x[.candidateSelection] == 0)
        #expect(x[.keyHashMemory] == 0 && x[.keyNormMemory] == 0)
        #expect(x[.attention] == 42 && x[.keyMemory] == 42 && x[.valueMemory] == 42)
        #expect(x[.queryMemory] == 10 && x[.outputMemory] == 10)
    }

    // MARK: end to end on a simulated trace

    static let n = 40
    static let trace = SyntheticTraceGenerator(layers: 1, heads: 2, n: n, headDim: 64, seed: 5).generate()

    static func simulate(_ config: ElsaConfig) throws -> SimulationResult {
        try ElsaSimulation.run(trace: trace, traceName: "synthetic", model: try ElsaFunctionalModel(config: config))
    }

    /// ELSA-base (exact): n² attention busy cycles and K and V reads, 4n output-division cycles, n Q reads
    /// and n output writes; no approximation energy, not even leakage.
    @Test func exactModeEnergyFromClosedFormCounts() throws {
        var c = ElsaConfig()
        c.approximation.mode = .exact
        let result = try Self.simulate(c)
        let report = EnergyModel(config: c).report(for: result)
        let n = Double(Self.n)
        for (h, head) in result.layers[0].heads.enumerated() {
            let e = report.layers[0].heads[h]
            let t = Double(head.timing.totalCycles)
            #expect(isClose(e.dynamicPJ(.attention), n * n * TableI.attention.1 / 4))
            #expect(isClose(e.dynamicPJ(.outputDivision), 4 * n * TableI.outputDivision.1))
            #expect(isClose(e.dynamicPJ(.keyMemory), n * n * TableI.keyValueMemory.1 / 4))
            #expect(isClose(e.dynamicPJ(.valueMemory), n * n * TableI.keyValueMemory.1 / 4))
            #expect(isClose(e.dynamicPJ(.queryMemory), n * TableI.queryOutputMemory.1))
            #expect(isClose(e.dynamicPJ(.outputMemory), n * TableI.queryOutputMemory.1))
            #expect(e.totalPJ(.approximation) == 0)
            let staticMW = TableI.attention.2 + TableI.outputDivision.2 + 2 * TableI.keyValueMemory.2 + 2 * TableI.queryOutputMemory.2
            #expect(isClose(e.staticTotalPJ, staticMW * t))
            #expect(e.queries == Self.n)
        }
        #expect(report.layers[0].energy.share(.approximation) == 0)
        #expect(isClose(report.total.totalPJ, report.layers[0].heads.reduce(0) { $0 + $1.totalPJ }))
    }

    /// Approximate (p = 1): hash 2n·3 busy cycles (n keys + n queries, 768/256 cycles each), norm n/4,
    /// every visible key read once by a selector (n² reads of key hash and norm, + n writes each), one
    /// attention cycle and one K and V read per selected pair, 2n more K reads and 2n Q reads.
    @Test func approximateModeEnergyFromClosedFormCounts() throws {
        let c = ElsaConfig()
        let result = try Self.simulate(c)
        let report = EnergyModel(config: c).report(for: result)
        let n = Double(Self.n)
        for (h, head) in result.layers[0].heads.enumerated() {
            let e = report.layers[0].heads[h]
            let selected = Double(head.selectedPairs)
            #expect(selected < n * n)
            #expect(isClose(e.dynamicPJ(.hash), 6 * n * TableI.hash.1))
            #expect(isClose(e.dynamicPJ(.norm), (n / 4) * TableI.norm.1))
            #expect(isClose(e.dynamicPJ(.candidateSelection), n * n * TableI.candidateSelection.1 / 32))
            #expect(isClose(e.dynamicPJ(.keyHashMemory), (n * n + n) * TableI.keyHashMemory.1 / 32))
            #expect(isClose(e.dynamicPJ(.keyNormMemory), (n * n + n) * TableI.keyNormMemory.1 / 32))
            #expect(isClose(e.dynamicPJ(.attention), selected * TableI.attention.1 / 4))
            #expect(isClose(e.dynamicPJ(.keyMemory), (selected + 2 * n) * TableI.keyValueMemory.1 / 4))
            #expect(isClose(e.dynamicPJ(.valueMemory), selected * TableI.keyValueMemory.1 / 4))
            #expect(isClose(e.dynamicPJ(.queryMemory), 2 * n * TableI.queryOutputMemory.1))
            let allStatic = TableI.coreTotal.2 + TableI.externalTotal.2
            #expect(isClose(e.staticTotalPJ, allStatic * Double(head.timing.totalCycles)))
            #expect(e.totalPJ(.approximation) > 0)
        }
    }

    /// Two accelerators: the layer's static energy is both accelerators' leakage over the layer's time,
    /// its dynamic energy the sum of its heads'.
    @Test func layerStaticCoversEveryAcceleratorOverTheLayerTime() throws {
        var c = ElsaConfig()
        c.accelerators = 2
        c.approximation.mode = .exact
        let result = try Self.simulate(c)
        let layer = EnergyModel(config: c).report(for: result).layers[0]
        let staticMW = TableI.attention.2 + TableI.outputDivision.2 + 2 * TableI.keyValueMemory.2 + 2 * TableI.queryOutputMemory.2
        #expect(isClose(layer.energy.staticTotalPJ, 2 * staticMW * Double(result.layers[0].cycles)))
        #expect(isClose(layer.energy.dynamicTotalPJ, layer.heads.reduce(0) { $0 + $1.dynamicTotalPJ }))
        #expect(layer.energy.timeNS == Double(result.layers[0].cycles))
        let report = EnergyModel(config: c).report(for: result)
        // 2 heads × n queries over the layer time, per 2 × 2.147 mm².
        let qps = Double(2 * Self.n) / (Double(result.layers[0].cycles) * 1e-9)
        #expect(isClose(report.queriesPerSecond, qps))
        #expect(isClose(report.queriesPerSecondPerMM2, qps / (2 * (TableI.coreTotal.0 + TableI.externalTotal.0))))
    }

    @Test func negativeParametersAreRejectedWithTheFieldNamed() {
        var c = ElsaConfig()
        c.energy.attention.staticMW = -1
        #expect(throws: ConfigError.outOfRange(path: "energy.attention.static_mw", value: "-1.0",
                                               expected: "a finite number ≥ 0 (mW)")) { try c.validate() }
        var d = ElsaConfig()
        d.energy.reference.selectorsPerModule = 0
        #expect(throws: ConfigError.outOfRange(path: "energy.reference.selectors_per_module", value: "0",
                                               expected: "1…16777216")) { try d.validate() }
    }
}
