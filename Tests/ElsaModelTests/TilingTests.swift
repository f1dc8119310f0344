import Testing
import SimCore
import Workload
@testable import ElsaModel

// Sequences longer than the key memory (docs/model.md §9). The expected values are derived by hand or
// from the closed forms of docs/model.md §9.4 and docs/validation.md (C1, C5) applied per tile, with
// the tile composition of §9.3 re-implemented here, never taken from an engine.

private func constants(pa: Int, pc: Int, h: Int, d: Int, q: Int, latt: Int, bacc: Int, ii: Int, lod: Int,
                       rNorm: Int, lNorm: Int, arbiter: ArbiterPolicy, mapping: BankMapping,
                       exact: Bool) -> TimingParameters {
    TimingParameters(attentionModules: pa, selectorsPerModule: pc, hashCycles: Cycle(h), selectorDepth: Cycle(d),
                     queueDepth: q, attentionLatency: Cycle(latt), accumulators: bacc, outputDivisionCycles: Cycle(ii),
                     outputDivisionLatency: Cycle(lod), normKeysPerCycle: rNorm, normLatency: Cycle(lNorm),
                     arbiter: arbiter, bankMapping: mapping, exact: exact)
}

/// Both engines through the tiled path; they must agree on everything.
private func simulateBoth(_ p: TimingParameters, _ selection: SelectionMatrix, capacity: Int, mode: TilePreprocessing,
                          sourceLocation: SourceLocation = #_sourceLocation) -> HeadSimulation.Outcome {
    let event = HeadSimulation.simulate(parameters: p, selection: selection, engine: .event, capacity: capacity, mode: mode)
    let reference = HeadSimulation.simulate(parameters: p, selection: selection, engine: .reference, capacity: capacity, mode: mode)
    #expect(event.timing.firstDifference(from: reference.timing, selectorsPerModule: p.selectorsPerModule) == nil,
            "engines differ: \(TimingParameters.describe(p)) n=\(selection.keys) C=\(capacity)", sourceLocation: sourceLocation)
    #expect(event == reference, sourceLocation: sourceLocation)
    return event
}

/// docs/model.md §9.3 written out: serial `E_{j+1} = E_j + X_j + P_{j+1}`, overlapped
/// `E_{j+1} = E_j + max(X_j, P_{j+1})`, `T = E_last + X_last`.
private func composed(_ tiles: [(p: Int, t: Int)], overlapped: Bool) -> Int {
    var e = tiles[0].p
    for j in 1 ..< tiles.count {
        let x = tiles[j - 1].t - tiles[j - 1].p
        e += overlapped ? max(x, tiles[j].p) : x + tiles[j].p
    }
    return e + tiles[tiles.count - 1].t - tiles[tiles.count - 1].p
}

@Suite struct TilingTests {
    // n = 10, C = 4, causal: tiles [0,4), [4,8), [8,10). Query i runs against tiles 0 … ⌊i/4⌋.
    @Test func causalTilesSkipTheTilesAboveTheDiagonal() {
        let n = 10
        let visible = ContiguousArray((0 ..< n).map { $0 + 1 })
        // Select every even key plus key 0.
        var m = SelectionMatrix(keys: n, visible: visible)
        for i in 0 ..< n { for j in 0 ..< visible[i] where j % 2 == 0 { m.set(query: i, key: j) } }
        let tiles = KeyTiling.tiles(of: m, capacity: 4)
        #expect(tiles.map(\.keys) == [4, 4, 2])
        #expect(tiles.map(\.firstKey) == [0, 4, 8])
        // Tile 1 starts at query 4: queries 0…3 never run against it; tile 2 only has queries 8, 9.
        #expect(tiles.map(\.firstQuery) == [0, 4, 8])
        #expect(tiles.map(\.selection.queries) == [10, 6, 2])
        #expect(Array(tiles[0].selection.visible) == [1, 2, 3, 4, 4, 4, 4, 4, 4, 4])
        #expect(Array(tiles[1].selection.visible) == [1, 2, 3, 4, 4, 4])
        #expect(Array(tiles[2].selection.visible) == [1, 2])
        // Visible pairs by hand: 1+2+3+4 + 6·4 = 34; 1+2+3+4 + 2·4 = 18; 1+2 = 3; total 55 = 10·11/2.
        #expect(tiles.map(\.selection.totalPairs) == [34, 18, 3])
        // Selected (even keys): tile 0 keys {0, 2}: queries 0,1 → 1 each, 2…9 → 2 each = 2 + 16 = 18.
        // Tile 1 keys {4, 6} (local 0, 2): query 4, 5 → 1; 6…9 → 2 = 2 + 8 = 10. Tile 2 key {8}: 1 + 1 = 2.
        #expect(tiles.map(\.selection.selectedPairs) == [18, 10, 2])
        #expect(tiles[1].selection.isSelected(query: 0, key: 0) && !tiles[1].selection.isSelected(query: 2, key: 1))
        // Non-causal: every query runs against every tile.
        let full = SelectionMatrix.all(keys: n, visible: ContiguousArray(repeating: n, count: n))
        let flat = KeyTiling.tiles(of: full, capacity: 4)
        #expect(flat.map(\.selection.queries) == [10, 10, 10] && flat.map(\.selection.totalPairs) == [40, 40, 20])
    }

    // Cutting tiles copies exactly the selected bits (word-unaligned tile starts, rows over 64 keys).
    @Test func tileBitsMatchTheFullMatrix() {
        var rng = SeededGenerator(seed: 0x711E)
        for _ in 0 ..< 40 {
            let n = Int.random(in: 2 ... 200, using: &rng), c = Int.random(in: 1 ... 90, using: &rng)
            let causal = Bool.random(using: &rng)
            let visible = ContiguousArray((0 ..< n).map { causal ? $0 + 1 : n })
            var m = SelectionMatrix(keys: n, visible: visible)
            for i in 0 ..< n { for j in 0 ..< visible[i] where rng.nextUnit() < 0.4 { m.set(query: i, key: j) } }
            var pairs = 0
            for tile in KeyTiling.tiles(of: m, capacity: c) {
                for q in 0 ..< tile.selection.queries {
                    let i = q + tile.firstQuery
                    #expect(tile.selection.visible[q] == min(visible[i] - tile.firstKey, tile.keys))
                    for y in 0 ..< tile.keys {
                        let expected = y < tile.selection.visible[q] && m.isSelected(query: i, key: y + tile.firstKey)
                        #expect(tile.selection.isSelected(query: q, key: y) == expected)
                    }
                }
                pairs += tile.selection.totalPairs
            }
            #expect(pairs == m.totalPairs)
        }
    }

    // docs/model.md §9.4, exact mode, non-causal: T = Σ_j [D + m_j − 1 + L_att + (n − 1)·max(m_j, II) + II + L_od]
    // when every tile has D ≤ m_j, Q ≥ D, L_att + m_j ≤ B_acc·max(m_j, II). P_j = 0, so both modes agree.
    @Test func exactModeTiledClosedForm() {
        var rng = SeededGenerator(seed: 0xE8AC7)
        func draw(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        var checked = 0
        while checked < 120 {
            let pa = draw(1 ... 4), capacity = draw(2 ... 24), n = draw(capacity + 1 ... 3 * capacity + 5)
            let d = draw(1 ... 4), q = draw(1 ... 6), bacc = draw(2 ... 4), latt = draw(1 ... 8), ii = draw(1 ... 12)
            let tileKeys = stride(from: 0, to: n, by: capacity).map { min(capacity, n - $0) }
            let ms = tileKeys.map { ($0 + pa - 1) / pa }
            guard q >= d, ms.allSatisfy({ d <= $0 && latt + $0 <= bacc * max($0, ii) }) else { continue }
            let lod = draw(0 ... 3)
            let p = constants(pa: pa, pc: draw(1 ... 6), h: draw(1 ... 9), d: d, q: q, latt: latt, bacc: bacc, ii: ii,
                              lod: lod, rNorm: draw(1 ... 8), lNorm: draw(0 ... 4),
                              arbiter: ArbiterPolicy.allCases[draw(0 ... 1)], mapping: BankMapping.allCases[draw(0 ... 1)],
                              exact: true)
            let expected = ms.reduce(0) { $0 + d + $1 - 1 + latt + (n - 1) * max($1, ii) + ii + lod }
            let selection = SelectionMatrix(keys: n, visible: ContiguousArray(repeating: n, count: n))
            for mode in TilePreprocessing.allCases {
                let outcome = simulateBoth(p, selection, capacity: capacity, mode: mode)
                #expect(outcome.timing.totalCycles == Cycle(expected), "n=\(n) C=\(capacity) \(TimingParameters.describe(p))")
                #expect(outcome.timing.preprocessingCycles == 0 && outcome.timing.isConserved)
                #expect(outcome.timing.outputDivision.busy == Cycle(tileKeys.count * n * ii))
                #expect(outcome.tiling?.tiles == tileKeys.count && outcome.tiling?.queryPasses == tileKeys.count * n)
                #expect(outcome.analytic.lowerBound <= outcome.timing.totalCycles)
            }
            checked += 1
        }
    }

    // ELSA-base on the paper's hardware at n = 2048, C = 512: four tiles of m = 128 keys per bank,
    // T = 4·(128·2048 + 12) = n²/4 + 48.
    @Test func elsaBaseAt2048() {
        var config = ElsaConfig()
        config.approximation.mode = .exact
        let p = TimingParameters(config: config)
        let n = 2048
        let outcome = HeadSimulation.simulate(parameters: p, selection: SelectionMatrix(keys: n, visible: ContiguousArray(repeating: n, count: n)),
                                              engine: .event, capacity: 512, mode: .serial)
        #expect(outcome.timing.totalCycles == Cycle(n * n / 4 + 48))
    }

    // docs/validation.md C5 per tile (hash-bound, causal or not): T_j = P_j + (q_j − 1)·H + Λ_j + II + L_od with
    // P_j = max(H·(k_j+1), ⌈k_j/R_norm⌉ + L_norm). Every query selects only key 0 of the head (the attention
    // sink: local key 0 of tile 0) or nothing. The last query of a tile sees all k_j keys, bank 0 holds
    // m_j = ⌈k_j/Pa⌉ of them in both mappings, so Λ_j = D + max(L_att, ⌈m_j/Pc⌉ − 1) in tile 0 with the sink
    // selected, and D + ⌈m_j/Pc⌉ − 1 when the tile selects nothing. H ≥ D + max(L_att, ⌈m/Pc⌉) + II makes
    // every query hash-bound. Tiles compose by §9.3 (written out in `composed`).
    @Test(arguments: [false, true]) func hashBoundTiledClosedForm(causal: Bool) {
        var rng = SeededGenerator(seed: causal ? 0xC5C : 0xC5)
        func draw(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        for _ in 0 ..< 80 {
            let pa = draw(1 ... 4), pc = draw(1 ... 4), capacity = draw(1 ... 20), n = draw(capacity + 1 ... 3 * capacity + 4)
            let d = draw(1 ... 4), latt = draw(1 ... 6), ii = draw(1 ... 6), lod = draw(0 ... 3)
            let rNorm = draw(1 ... 8), lNorm = draw(0 ... 40)
            let mMax = (capacity + pa - 1) / pa
            let h = d + max(latt, (mMax + pc - 1) / pc) + ii + draw(0 ... 3)
            let sink = Bool.random(using: &rng)
            let p = constants(pa: pa, pc: pc, h: h, d: d, q: draw(1 ... 4), latt: latt, bacc: draw(2 ... 4), ii: ii, lod: lod,
                              rNorm: rNorm, lNorm: lNorm, arbiter: ArbiterPolicy.allCases[draw(0 ... 1)],
                              mapping: BankMapping.allCases[draw(0 ... 1)], exact: false)
            let visible = ContiguousArray((0 ..< n).map { causal ? $0 + 1 : n })
            var m = SelectionMatrix(keys: n, visible: visible)
            if sink { for i in 0 ..< n { m.set(query: i, key: 0) } }
            var tiles: [(p: Int, t: Int)] = []
            for (j, first) in stride(from: 0, to: n, by: capacity).enumerated() {
                let k = min(capacity, n - first)
                let queries = causal ? n - first : n
                let mj = (k + pa - 1) / pa
                let scan = (mj + pc - 1) / pc - 1
                let lambda = d + (sink && j == 0 ? max(latt, scan) : scan)
                let pre = max(h * (k + 1), (k + rNorm - 1) / rNorm + lNorm)
                tiles.append((pre, pre + (queries - 1) * h + lambda + ii + lod))
            }
            for mode in TilePreprocessing.allCases {
                let outcome = simulateBoth(p, m, capacity: capacity, mode: mode)
                let expected = composed(tiles, overlapped: mode == .overlapped)
                #expect(outcome.timing.totalCycles == Cycle(expected),
                        "n=\(n) C=\(capacity) causal=\(causal) sink=\(sink) \(mode) \(TimingParameters.describe(p))")
                #expect(outcome.timing.isConserved)
                let executing = tiles.reduce(0) { $0 + $1.t - $1.p }
                #expect(outcome.timing.executionCycles == Cycle(executing))
                #expect(outcome.analytic.lowerBound <= outcome.timing.totalCycles)
            }
        }
    }

    // The composition rule by hand: tiles (P, T) = (10, 30), (12, 20), (5, 40).
    // Serial: E = 10, 10+20+12 = 42, 42+8+5 = 55; T = 55 + 35 = 90 = Σ T_j; P = 90 − (20+8+35) = 27.
    // Overlapped: E = 10, 10+max(20,12) = 30, 30+max(8,5) = 38; T = 38 + 35 = 73; P = 73 − 63 = 10.
    @Test func scheduleByHand() {
        let tiles: [(preprocessing: Cycle, total: Cycle)] = [(10, 30), (12, 20), (5, 40)]
        let serial = TileSchedule(tiles: tiles, mode: .serial)
        #expect(serial.executionStarts == [10, 42, 55] && serial.total == 90 && serial.preprocessing == 27)
        #expect(serial.offsets == [0, 30, 50])
        let overlapped = TileSchedule(tiles: tiles, mode: .overlapped)
        #expect(overlapped.executionStarts == [10, 30, 38] && overlapped.total == 73 && overlapped.preprocessing == 10)
    }

    // The IV-D steady-state bound of a tiled head sums its tiles: exact, Pa = Pc = 1, II = 1, so a query's
    // cost is its visible keys in the tile (scan = selected = u ≥ 1): n = 10, C = 4 causal gives
    // 34 + 18 + 3 = 55 cycles over 10 + 6 + 2 = 18 query passes, all limited by the scan and attention.
    @Test func steadyStateBoundSumsTheTiles() {
        let p = constants(pa: 1, pc: 1, h: 1, d: 1, q: 1, latt: 1, bacc: 2, ii: 1, lod: 0, rNorm: 1, lNorm: 0,
                          arbiter: .longestQueueFirst, mapping: .contiguous, exact: true)
        let m = SelectionMatrix(keys: 10, visible: ContiguousArray((0 ..< 10).map { $0 + 1 }))
        let bound = SteadyStateBound(parameters: p, selection: m, capacity: 4)
        #expect(bound.cycles == 55 && bound.queries == 18)
        // The first query of each tile sees one key: scan 1, selected 1, II 1 tie three ways (3 × 1/3 each);
        // the other 15 query passes tie scan and attention (1/2 each).
        #expect(bound.outputDivision == 1 && bound.candidateSelection == 8.5 && bound.attention == 8.5 && bound.hash == 0)
        #expect(SteadyStateBound(parameters: p, selection: m, capacity: 10) == SteadyStateBound(parameters: p, selection: m))
    }

    // A head that fits the key memory is the untiled invocation, bit for bit.
    @Test func untiledPathIsUnchanged() {
        for seed in UInt64(0) ..< 60 {
            let c = RandomTimingCase(seed: seed)
            let direct = ElsaPipeline.simulate(parameters: c.parameters, selection: c.selection)
            let outcome = HeadSimulation.simulate(parameters: c.parameters, selection: c.selection, engine: .event,
                                                  capacity: c.selection.keys, mode: .overlapped)
            #expect(outcome.timing == direct && outcome.tiling == nil)
            #expect(outcome.analytic == AnalyticModel(parameters: c.parameters, selection: c.selection))
        }
    }

    // "error" (the default) names long_sequences; "tile" accepts the trace.
    @Test func errorNamesLongSequences() throws {
        let trace = SyntheticTraceGenerator(layers: 1, heads: 1, n: 20, headDim: 8, seed: 3, causal: true).generate()
        var config = ElsaConfig()
        config.headDim = 8
        config.hash.bits = 8
        config.hash.kroneckerFactors = [2, 4]
        config.keyMemoryCapacity = 8
        config.selectorsPerModule = 2
        let model = try ElsaFunctionalModel(config: config)
        #expect(throws: ConfigError.self) { try model.validate(trace: trace) }
        do {
            try model.validate(trace: trace)
        } catch {
            #expect(error.description.contains("long_sequences") && error.description.contains("20"))
        }
        config.longSequences = .tile
        let result = try ElsaSimulation.run(trace: trace, traceName: "t", model: ElsaFunctionalModel(config: config))
        let head = result.layers[0].heads[0]
        // Tiles of 8, 8, 4 keys; causal queries 20, 12, 4.
        #expect(head.tiling?.keysPerTile == [8, 8, 4] && head.tiling?.queriesPerTile == [20, 12, 4])
        #expect(head.totalPairs == 20 * 21 / 2 && head.timing.isConserved)
        // Traffic: Q reads 2·Σq_j = 72 (load + hash), output writes Σq_j = 36, reads 36 − 20 = 16.
        let traffic = result.traffic(head)
        #expect(traffic.reads[.query] == 72 && traffic.writes[.output] == 36 && traffic.reads[.output] == 16)
        #expect(traffic.writes[.keyHash] == 20)
        // H = ⌈8·(2+4) / 256⌉ = 1, R_norm = Pa = 4. Serial: the hash unit hashes n keys and Σ q_j queries,
        // 20 + 36 = 56 cycles; the norm unit ⌈8/4⌉ + ⌈8/4⌉ + ⌈4/4⌉ = 5. Energy events: Q memory 72, output 36 + 16.
        #expect(head.timing.hash.busy == 56 && head.timing.norm.busy == 5)
        let serialActivity = EnergyModel(config: config).activity(of: head)
        #expect(serialActivity[.queryMemory] == 72 && serialActivity[.outputMemory] == 52 && serialActivity[.hash] == 56)
        #expect(serialActivity.queries == 20)
        // Overlapped: the reported (primary) hash unit preprocesses tile 0 (8 + 1) and hashes the queries after
        // each tile's first (19 + 11 + 3): 42; the second unit's 9 + 5 = 14 hash and 2 + 1 = 3 norm cycles are
        // charged in energy.
        config.tiling.preprocessing = .overlapped
        let overlapped = try ElsaSimulation.run(trace: trace, traceName: "t", model: ElsaFunctionalModel(config: config)).layers[0].heads[0]
        #expect(overlapped.timing.hash.busy == 42 && overlapped.timing.norm.busy == 2 && overlapped.timing.isConserved)
        #expect(overlapped.tiling?.prefetchHashBusy == 14 && overlapped.tiling?.prefetchNormBusy == 3)
        let activity = EnergyModel(config: config).activity(of: overlapped)
        #expect(activity[.hash] == 56 && activity[.norm] == 5)
        #expect(overlapped.timing.totalCycles <= head.timing.totalCycles)
        #expect(overlapped.timing.executionCycles == head.timing.executionCycles)
    }
}
