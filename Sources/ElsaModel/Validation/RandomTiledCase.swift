import SimCore
import Workload

/// One seeded random tiled head for the engine-equivalence check (`docs/validation.md`, "Tiled
/// equivalence"): a `RandomTimingCase`'s timing constants and selection pattern, with `n` above a random
/// key-memory capacity `C` (1…40; `n` from `C + 1` to `4·C + 7`, at most 300), causal or not, and a
/// random tile schedule. Both engines run every tile (`HeadSimulation`) and must agree on every field of
/// the composed `HeadTiming` and of every tile's.
public struct RandomTiledCase: Sendable {
    public let seed: UInt64
    public let parameters: TimingParameters
    public let capacity: Int
    public let mode: TilePreprocessing
    public let causal: Bool
    public let selection: SelectionMatrix

    /// Regenerates tiled case `seed` (its own stream, independent of `RandomTimingCase(seed:)`'s).
    public init(seed: UInt64) {
        var rng = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ 0x711E_D000_0000_0016)
        func draw(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        // Timing constants and the selection pattern's knobs come from an untiled case; only n, C and
        // the mask are redrawn.
        let base = RandomTimingCase(seed: UInt64(draw(0 ... 1 << 40)))
        let capacity = draw(1 ... 40)
        let n = min(300, draw(capacity + 1 ... 4 * capacity + 7))
        let isCausal = draw(0 ... 1) == 1
        let visible = ContiguousArray((0 ..< n).map { isCausal ? $0 + 1 : n })
        var m = SelectionMatrix(keys: n, visible: visible)
        let density = Double(draw(0 ... 100)) / 100
        switch draw(0 ... 3) {
        case 0: break
        case 1: m = .all(keys: n, visible: visible)
        case 2: for i in 0 ..< n { for j in 0 ..< visible[i] where rng.nextUnit() < density { m.set(query: i, key: j) } }
        default:
            // The attention sink and a local window: key 0 and the last few visible keys.
            let width = draw(0 ... 4)
            for i in 0 ..< n {
                m.set(query: i, key: 0)
                for j in max(0, visible[i] - 1 - width) ..< visible[i] { m.set(query: i, key: j) }
            }
        }
        self.seed = seed
        parameters = base.parameters
        self.capacity = capacity
        mode = draw(0 ... 1) == 0 ? .serial : .overlapped
        causal = isCausal
        selection = m
    }

    /// One line naming the case.
    public var summary: String {
        "tiled n=\(selection.keys) C=\(capacity) \(causal ? "causal" : "non-causal") \(mode.rawValue) "
            + "\(parameters.exact ? "exact" : "approximate") selected=\(selection.selectedPairs)/\(selection.totalPairs) | "
            + TimingParameters.describe(parameters)
    }
}

extension EngineEquivalence {
    /// Tiled case `seed`'s first difference between the engines (every tile, then the composed head),
    /// or `nil` when they agree.
    public static func checkTiled(seed: UInt64) -> Mismatch? {
        let c = RandomTiledCase(seed: seed)
        let pc = c.parameters.selectorsPerModule
        for tile in KeyTiling.tiles(of: c.selection, capacity: c.capacity) {
            let event = ElsaPipeline.simulate(parameters: c.parameters, selection: tile.selection)
            let reference = ReferencePipeline.simulate(parameters: c.parameters, selection: tile.selection)
            if let difference = event.firstDifference(from: reference, selectorsPerModule: pc) {
                return Mismatch(seed: seed, summary: c.summary, difference: "tile \(tile.index): \(difference)",
                                reproducer: "elsa-sim validate --tiled --seed \(seed)")
            }
        }
        let event = HeadSimulation.simulate(parameters: c.parameters, selection: c.selection, engine: .event,
                                            capacity: c.capacity, mode: c.mode)
        let reference = HeadSimulation.simulate(parameters: c.parameters, selection: c.selection, engine: .reference,
                                                capacity: c.capacity, mode: c.mode)
        if let difference = event.timing.firstDifference(from: reference.timing, selectorsPerModule: pc) {
            return Mismatch(seed: seed, summary: c.summary, difference: "composed: \(difference)",
                            reproducer: "elsa-sim validate --tiled --seed \(seed)")
        }
        guard event == reference else {
            return Mismatch(seed: seed, summary: c.summary, difference: "analytic or tiling info differs",
                            reproducer: "elsa-sim validate --tiled --seed \(seed)")
        }
        return nil
    }

    /// Checks the tiled cases `seeds` on `threads` worker threads; mismatches in seed order.
    public static func checkTiled(seeds: Range<UInt64>, threads: Int) -> [Mismatch] {
        ParallelSlots<Mismatch?>.map(count: seeds.count, threads: threads) { index in
            checkTiled(seed: seeds.lowerBound + UInt64(index))
        }.compactMap { $0 }
    }
}
