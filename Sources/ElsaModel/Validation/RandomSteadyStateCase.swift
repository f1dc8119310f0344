import SimCore
import Workload

/// One seeded random exact-mode head invocation for checking the event engine's steady-state
/// fast-forward (`docs/model.md` §10, `docs/validation.md`, "Randomized equivalence"): a
/// `RandomTimingCase`'s timing constants with `exact` on, and a long head (16…400 queries) whose visible
/// counts take one of five shapes — constant (non-causal: the fast-forward should apply), causal (every
/// query different: it must not), a causal ramp that stops growing at a random width, a random prefix
/// followed by a constant, or a tile-like head with `queries ≠ keys`. The event engine with and without
/// the fast-forward and the reference engine must agree on every field of `HeadTiming`.
public struct RandomSteadyStateCase: Sendable {
    public enum Shape: String, Sendable, CaseIterable {
        case constant, causal, ramp, randomPrefix, tile
    }

    public let seed: UInt64
    public let parameters: TimingParameters
    public let shape: Shape
    public let selection: SelectionMatrix

    /// Regenerates steady-state case `seed` (its own stream, independent of `RandomTimingCase(seed:)`'s).
    public init(seed: UInt64) {
        var rng = SeededGenerator(seed: seed &* 0xA076_1D64_78BD_642F ^ 0x5EAD_57A7_E000_0018)
        func draw(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        var parameters = RandomTimingCase(seed: UInt64(draw(0 ... 1 << 40))).parameters
        parameters.exact = true
        let shape = Shape.allCases[draw(0 ... Shape.allCases.count - 1)]
        let queries = draw(0 ... 3) == 0 ? draw(16 ... 400) : draw(16 ... 120)
        let keys = shape == .tile ? draw(1 ... 300) : queries
        var visible = ContiguousArray(repeating: keys, count: queries)
        switch shape {
        case .constant, .tile:
            break
        case .causal:
            for i in 0 ..< queries { visible[i] = i + 1 }
        case .ramp:
            let width = draw(1 ... keys)
            for i in 0 ..< queries { visible[i] = min(i + 1, width) }
        case .randomPrefix:
            let prefix = draw(1 ... queries / 2)
            let last = draw(1 ... keys)
            for i in 0 ..< queries { visible[i] = i < prefix ? draw(1 ... keys) : last }
        }
        self.seed = seed
        self.parameters = parameters
        self.shape = shape
        selection = .all(queries: queries, keys: keys, visible: visible)
    }

    /// One line naming the case.
    public var summary: String {
        "steady-state \(shape.rawValue) queries=\(selection.queries) keys=\(selection.keys) exact | "
            + TimingParameters.describe(parameters)
    }
}

extension EngineEquivalence {
    /// Steady-state case `seed`'s first difference — the event engine with the fast-forward against the
    /// event engine without it, then against the reference engine — and the number of queries the
    /// fast-forward skipped.
    public static func checkSteadyState(seed: UInt64) -> (mismatch: Mismatch?, skippedQueries: Int) {
        let c = RandomSteadyStateCase(seed: seed)
        let pc = c.parameters.selectorsPerModule
        let fast = ElsaPipeline.simulate(parameters: c.parameters, selection: c.selection, fastForward: true)
        let plain = ElsaPipeline.simulate(parameters: c.parameters, selection: c.selection, fastForward: false).timing
        let reproducer = "elsa-sim validate --steady-state --seed \(seed)"
        if let difference = fast.timing.firstDifference(from: plain, selectorsPerModule: pc) {
            return (Mismatch(seed: seed, summary: c.summary, difference: "fast-forward against none: " + difference,
                             reproducer: reproducer), fast.skippedQueries)
        }
        let reference = ReferencePipeline.simulate(parameters: c.parameters, selection: c.selection)
        if let difference = fast.timing.firstDifference(from: reference, selectorsPerModule: pc) {
            return (Mismatch(seed: seed, summary: c.summary, difference: difference, reproducer: reproducer), fast.skippedQueries)
        }
        return (nil, fast.skippedQueries)
    }

    /// Checks the steady-state cases `seeds` on `threads` worker threads: the mismatches in seed order,
    /// and in how many cases the fast-forward skipped at least one query.
    public static func checkSteadyState(seeds: Range<UInt64>, threads: Int) -> (mismatches: [Mismatch], fastForwarded: Int) {
        let results = ParallelSlots<(Mismatch?, Int)>.map(count: seeds.count, threads: threads) { index in
            checkSteadyState(seed: seeds.lowerBound + UInt64(index))
        }
        return (results.compactMap { $0.0 }, results.filter { $0.1 > 0 }.count)
    }
}
