import Testing
import SimCore
import Workload
@testable import ElsaModel

/// The edges of the lane-vector key-bank kernel (`docs/architecture.md`, "How the ELSA pipeline uses
/// the engine"): two lane chunks with 144 pushes in the selector pipelines at once (a ring of 16 push
/// cycles), a selector whose next read is almost a whole list ahead and which stalls on a depth-1 queue,
/// and a queue depth far above anything the queues reach. Each case is checked against the cycle-stepped reference engine on every field, and its total
/// against a closed form or a bound derived by hand.
@Suite struct KeyBankKernelTests {
    static func parameters(pa: Int, pc: Int, depth: Cycle, queue: Int, exact: Bool) -> TimingParameters {
        TimingParameters(attentionModules: pa, selectorsPerModule: pc, hashCycles: 1, selectorDepth: depth, queueDepth: queue,
                         attentionLatency: 4, accumulators: 2, outputDivisionCycles: 4, outputDivisionLatency: 2,
                         normKeysPerCycle: 1, normLatency: 0, arbiter: .longestQueueFirst, bankMapping: .contiguous,
                         exact: exact)
    }

    static func expectEngineAgreement(_ p: TimingParameters, _ m: SelectionMatrix) -> HeadTiming {
        let event = ElsaPipeline.simulate(parameters: p, selection: m)
        let reference = ReferencePipeline.simulate(parameters: p, selection: m)
        #expect(event.firstDifference(from: reference, selectorsPerModule: p.selectorsPerModule) == nil,
                "\(event.firstDifference(from: reference, selectorsPerModule: p.selectorsPerModule) ?? "")")
        return event
    }

    /// Exact mode, one bank of 16 selectors, D = Q = 9: in cycles 0…8 every selector pushes a key and
    /// none is visible before cycle 9, so 16 × 9 = 144 entries are in flight at once, in both lane chunks
    /// (Pc = 16) and over a ring of 16 push cycles (D = 9). docs/model.md §6's closed form for exact mode with deep queues
    /// (D ≤ m, Q ≥ D, L_att + m ≤ B_acc·max(m, II)) with n = 256, m = 256, L_att = 4, II = 4, L_od = 2:
    /// T = D + m − 1 + L_att + (n − 1)·max(m, II) + II + L_od = 9 + 255 + 4 + 255·256 + 4 + 2 = 65 554.
    @Test func inFlightFIFOGrowsTwice() {
        let p = Self.parameters(pa: 1, pc: 16, depth: 9, queue: 9, exact: true)
        let n = 256
        let timing = Self.expectEngineAgreement(p, .all(keys: n, visible: ContiguousArray(repeating: n, count: n)))
        #expect(timing.totalCycles == 65_554)
    }

    /// A queue depth of 2^20 (the config's maximum): the queues are counts, nothing is sized by Q. Exact
    /// mode, Pa = 2, Pc = 3, n = 300, D = 4: m = 150 and the same closed form gives
    /// T = 4 + 149 + 4 + 299·150 + 4 + 2 = 45 013.
    @Test func hugeQueueDepthCostsNothing() {
        let p = Self.parameters(pa: 2, pc: 3, depth: 4, queue: 1 << 20, exact: true)
        let n = 300
        let timing = Self.expectEngineAgreement(p, .all(keys: n, visible: ContiguousArray(repeating: n, count: n)))
        #expect(timing.totalCycles == 45_013)
        // In exact mode every key is read without a stall when Q ≥ D (docs/validation.md, C1).
        #expect(timing.selectorStallCycles == 0)
    }

    /// One selector (Pa = Pc = 1), so its list is the whole bank (n = 255 and 256: lists on both sides of
    /// a power of two). Each query selects keys 0, 1 and n − 1; Q = 1 and D = 6. In
    /// query 0 key 0 is read at P and visible at P + 6, so the read of key 1 at P + 1 finds the one slot
    /// reserved and stalls until the pop at P + 6 (5 blocked cycles at least); key n − 1 is then read
    /// n − 2 cycles after the resumed read of key 1 (one gap of n − 2: a jump far longer than the
    /// push ring, whose pending pushes must all be made visible).
    @Test(arguments: [255, 256]) func longGapAfterAStall(n: Int) {
        let p = Self.parameters(pa: 1, pc: 1, depth: 6, queue: 1, exact: false)
        var m = SelectionMatrix(keys: n, visible: ContiguousArray(repeating: n, count: n))
        for i in 0 ..< n {
            for key in [0, 1, n - 1] { m.set(query: i, key: key) }
        }
        let timing = Self.expectEngineAgreement(p, m)
        #expect(timing.selectorStallCycles >= 5)
        // Every query reads its whole list of n keys: T ≥ P + n·n (rule 3 of the lower bound, one selector).
        #expect(timing.totalCycles >= timing.preprocessingCycles + Cycle(n * n))
    }

    /// Lists of 30 keys are masks of selected positions (a selector's next read is the lowest bit left),
    /// lists of 31 are gaps (`SelectionBins.maskedListLength`): Pa = 1, Pc = 2, n = 2·length, so each
    /// selector reads `length` keys (selector 0 the even keys, selector 1 the odd ones). Query `i` selects
    /// list positions 3 … 5 of both selectors (a run that stalls on a depth-1 queue, and a first read
    /// after the list's start), position `i mod length` of selector 1, and every other query the last
    /// position of selector 0 (the end-of-list bit right after a selected one); both engines agree on
    /// every field on both sides, with and without exact mode.
    @Test(arguments: [30, 31]) func listsOnBothSidesOfTheMaskLength(length: Int) {
        let n = 2 * length
        var m = SelectionMatrix(keys: n, visible: ContiguousArray(repeating: n, count: n))
        for i in 0 ..< n {
            for key in [6, 7, 8, 9, 10, 11, 2 * (i % length) + 1] { m.set(query: i, key: key) }
            if i % 2 == 0 { m.set(query: i, key: n - 2) }
        }
        for exact in [false, true] {
            let p = Self.parameters(pa: 1, pc: 2, depth: 3, queue: 1, exact: exact)
            let pipeline = ElsaPipeline(parameters: p, selection: exact ? .all(keys: n, visible: m.visible) : m)
            #expect(pipeline.bins.masked == (length <= SelectionBins.maskedListLength))
            let timing = Self.expectEngineAgreement(p, exact ? .all(keys: n, visible: m.visible) : m)
            #expect(timing.isConserved)
            if !exact { #expect(timing.selectorStallCycles > 0) }
        }
    }

    /// Binning a word at a time (contiguous banks of a multiple of 64 keys, eight selectors) gives the
    /// bins of binning key by key, query after query: banks of 64, 128 and 192 keys, rows of random density,
    /// causal visible counts; and the whole head agrees with the reference engine.
    @Test(arguments: [(512, 4), (256, 2), (192, 3), (128, 1)])
    func wordBinningEqualsKeyBinning(n: Int, pa: Int) {
        let p = Self.parameters(pa: pa, pc: 8, depth: 3, queue: 2, exact: false)
        var g = SeededGenerator(seed: UInt64(n * 10 + pa))
        let causal = n == 256
        var m = SelectionMatrix(keys: n, visible: ContiguousArray((0 ..< n).map { causal ? $0 + 1 : n }))
        for i in 0 ..< n {
            let density = Double(i % 5) / 4
            for key in 0 ..< m.visible[i] where g.nextUnit() < density { m.set(query: i, key: key) }
        }
        let pipeline = ElsaPipeline(parameters: p, selection: m)
        #expect(pipeline.wordBinningBankKeys == n / pa)
        let bins = pipeline.bins
        for i in 0 ..< n {
            pipeline.binKeyByKey(query: i)
            let masks = (0 ..< bins.lanes).map { bins.masks[$0] }, counts = (0 ..< bins.lanes).map { bins.count[$0] }
            pipeline.binWordByWord(query: i, bankKeys: n / pa)
            #expect((0 ..< bins.lanes).map { bins.masks[$0] } == masks, "query \(i)")
            #expect((0 ..< bins.lanes).map { bins.count[$0] } == counts, "query \(i)")
        }
        _ = Self.expectEngineAgreement(p, m)
    }
}
