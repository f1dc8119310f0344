import SimCore

/// The ELSA accelerator processing one head invocation (ELSA §IV-B/C; `docs/model.md`): preprocessing
/// (hash unit and norm unit), then the query loop — hash unit, `Pa` key banks, output division — on
/// the discrete-event engine.
///
/// Events are query starts (`docs/model.md` step 1), the only moments at which the banks interact.
/// Key banks are components with their own clocks: at each start the pipeline catches every bank up to
/// it and then lets it run ahead until it is ready for the next start (a bank's cycles between two
/// starts depend on no other bank). The output division's start times are derived as soon as all
/// partials of a query are known (`docs/architecture.md`).
public struct ElsaPipeline: EventDrivenModel {
    public enum Event: Sendable {
        /// Step 1: query `i` starts (all selectors switch to it).
        case queryStart(Int)
    }

    let parameters: TimingParameters
    let selection: SelectionMatrix
    let keys: Int
    /// Queries (= `keys` unless tiled, `docs/model.md` §9).
    let queries: Int
    /// `P`.
    let preprocessingEnd: Cycle
    let banks: [KeyBank]
    /// Where each key goes (approximate modes), packed as `lane << 32 | list position` with
    /// `lane = bank · lanesPerBank + selector` in `bins`, so binning a selected key costs no division.
    let keyLanes: ContiguousArray<UInt64>
    /// The selected keys of the query about to start, per selector of every bank.
    let bins: SelectionBins
    /// Keys per bank when a query's keys can be binned a 64-key word at a time (`binWordByWord`), else 0.
    let wordBinningBankKeys: Int
    /// `S_i`.
    var queryStart: [Cycle]
    /// `OD_i` (−1 until known).
    var outputDivisionStart: [Cycle]
    var nextOutputDivision = 0
    var lastOutputDivisionStart: Cycle? = nil
    var hashBlocked: Cycle = 0
    /// The steady-state fast-forward's buffers and switch (`docs/model.md` §10).
    let fastForward: FastForwardState

    init(parameters: TimingParameters, selection: SelectionMatrix, fastForward: Bool = true, closedFormDrains: Bool = true) {
        self.parameters = parameters
        self.selection = selection
        keys = selection.keys
        queries = selection.queries
        preprocessingEnd = ElsaPipeline.preprocessingCycles(parameters: parameters, keys: keys)
        let start = preprocessingEnd
        let pc = parameters.selectorsPerModule
        let n = keys
        let longestList = (0 ..< parameters.attentionModules).map {
            (parameters.bankKeys(bank: $0, visible: n, keys: n) + pc - 1) / pc
        }.max() ?? 0
        let bins = SelectionBins(banks: parameters.attentionModules, selectors: pc, keys: n,
                                 longestList: longestList, exact: parameters.exact)
        self.bins = bins
        banks = (0 ..< parameters.attentionModules).map {
            KeyBank(bank: $0, parameters: parameters, queries: selection.queries, start: start, bins: bins,
                    closedFormDrains: closedFormDrains)
        }
        queryStart = Array(repeating: -1, count: queries)
        outputDivisionStart = Array(repeating: -1, count: queries)
        self.fastForward = FastForwardState(enabled: fastForward, parameters: parameters, selection: selection)
        let perBank = (n + parameters.attentionModules - 1) / parameters.attentionModules
        wordBinningBankKeys = bins.masked && parameters.bankMapping == .contiguous && pc == 8 && perBank % 64 == 0 ? perBank : 0
        keyLanes = parameters.exact ? [] : ContiguousArray((0 ..< n).map { key in
            let (bank, local) = parameters.bank(ofKey: key, keys: n)
            return UInt64(bank * bins.lanesPerBank + local % pc) << 32 | UInt64(local / pc)
        })
    }

    /// Bins query `query`'s selected keys into `bins` by selector and list position (each bank reads its
    /// own lanes when the query starts): key by key, or a word at a time where `binWordByWord` applies.
    func binSelectedKeys(query: Int) {
        if wordBinningBankKeys > 0 {
            binWordByWord(query: query, bankKeys: wordBinningBankKeys)
            return
        }
        binKeyByKey(query: query)
    }

    /// The masks of `SelectionBins` a 64-key word at a time, for contiguous banks of a multiple of 64 keys
    /// and eight selectors per module (the paper's configuration): the word of keys `64w …` lies in one
    /// bank, selector `s` reads its keys `s, s + 8, …, s + 56`, at list positions `(64w − bank start) / 8 +
    /// 0 … 7`. Those eight bits gather into a byte by one multiply: with only bit 0 of each byte kept,
    /// `· 0x0102040810204080` moves byte `j`'s bit to bit `56 + j`, no two terms meeting. The counts are
    /// the masks' popcounts. The same bins as `binKeyByKey` (`KeyBankKernelTests`).
    func binWordByWord(query: Int, bankKeys: Int) {
        bins.clear()
        let words = selection.wordsPerRow, lanesPerBank = bins.lanesPerBank
        let masks = bins.masks
        selection.bits.withUnsafeBufferPointer { bits in
            let row = query &* words
            for w in 0 ..< words {
                let word = bits[row &+ w]
                if word == 0 { continue }
                let first = w &<< 6
                let bank = first / bankKeys
                let shift = UInt64(truncatingIfNeeded: (first &- bank &* bankKeys) &>> 3)
                let lanes = masks + bank &* lanesPerBank
                for s in 0 ..< 8 {
                    let spread = (word &>> UInt64(s)) & 0x0101_0101_0101_0101
                    let byte = (spread &* 0x0102_0408_1020_4080) &>> 56
                    lanes[s] |= Int32(truncatingIfNeeded: byte &<< shift)
                }
            }
        }
        for g in 0 ..< bins.lanes { bins.count[g] = Int32(truncatingIfNeeded: masks[g].nonzeroBitCount) }
    }

    /// Bins the selected keys one at a time through `keyLanes` (any mapping and selector count).
    func binKeyByKey(query: Int) {
        bins.clear()
        let words = selection.wordsPerRow
        let bins = bins
        keyLanes.withUnsafeBufferPointer { lanes in
            selection.bits.withUnsafeBufferPointer { bits in
                let row = query * words
                for w in 0 ..< words {
                    var word = bits[row + w]
                    while word != 0 {
                        let entry = lanes[w << 6 + word.trailingZeroBitCount]
                        word &= word - 1
                        bins.add(lane: Int(entry >> 32), position: Int32(truncatingIfNeeded: entry))
                    }
                }
            }
        }
    }

    /// `P = max(P_hash, ceil(n / R_norm) + L_norm)` with `P_hash` = `H·(n+1)` or the pipelined pass;
    /// 0 in exact mode (`docs/model.md` §3).
    public static func preprocessingCycles(parameters: TimingParameters, keys: Int) -> Cycle {
        guard !parameters.exact else { return 0 }
        let hash = parameters.preprocessingHashCycles(keys: keys)
        let norm = Cycle((keys + parameters.normKeysPerCycle - 1) / parameters.normKeysPerCycle) + parameters.normLatency
        return max(hash, norm)
    }

    public mutating func handle(_ event: Event, at eventTime: Cycle, queue: inout EventQueue<Event>) {
        switch event {
        case let .queryStart(scheduledQuery):
            var i = scheduledQuery, now = eventTime
            if fastForward.enabled { fastForwardIfPeriodic(query: &i, at: &now) }
            queryStart[i] = now
            var ready = parameters.exact ? now : now + parameters.hashCycles   // hash of i+1 (rule 5)
            if !parameters.exact { binSelectedKeys(query: i) }
            outputDivisionStart.withUnsafeBufferPointer { od in
                for bank in banks {
                    bank.run(until: now, outputDivisionStart: od)
                    bank.startQuery(i, at: now, bankKeys: parameters.bankKeys(bank: bank.bank, visible: selection.visible[i], keys: keys),
                                    everySelected: parameters.exact)
                    ready = max(ready, bank.runUntilReady(outputDivisionStart: od))
                }
            }
            // Every bank has left query i−1 by `ready`, so its output division start is now known.
            deriveOutputDivisions(through: i - 1)
            if i + 1 < queries {
                if !parameters.exact && i + 2 < queries {
                    precondition(ready >= now + parameters.hashCycles,
                                 "query \(i + 1) would start at \(ready), before its hash is ready at \(now + parameters.hashCycles)")
                    hashBlocked += ready - (now + parameters.hashCycles)
                }
                queue.schedule(.queryStart(i + 1), at: ready)
            } else {
                outputDivisionStart.withUnsafeBufferPointer { od in
                    for bank in banks { bank.runUntilDrained(outputDivisionStart: od) }
                }
                deriveOutputDivisions(through: i)
            }
        }
    }

    /// `OD_q = max(max_b PA(q, b), OD_{q−1} + II)` for every query whose partials are all known.
    private mutating func deriveOutputDivisions(through last: Int) {
        while nextOutputDivision <= last {
            let q = nextOutputDivision
            var start = banks.reduce(Cycle.min) { max($0, $1.partialAvailable[q]) }
            if let previous = lastOutputDivisionStart { start = max(start, previous + parameters.outputDivisionCycles) }
            outputDivisionStart[q] = start
            lastOutputDivisionStart = start
            nextOutputDivision += 1
        }
    }

    /// Runs one head invocation and returns every counter of `docs/model.md` §5.
    public static func simulate(parameters: TimingParameters, selection: SelectionMatrix) -> HeadTiming {
        simulate(parameters: parameters, selection: selection, fastForward: true).timing
    }

    /// `simulate`, with the steady-state fast-forward (`docs/model.md` §10) on or off, and the number of
    /// queries whose simulation it skipped (0 when off or when it did not apply).
    static func simulate(parameters: TimingParameters, selection: SelectionMatrix,
                         fastForward: Bool) -> (timing: HeadTiming, skippedQueries: Int) {
        precondition(selection.keys >= 1 && selection.queries >= 1, "a head invocation needs at least one key and one query")
        precondition(parameters.accumulators >= 2, "the event engine needs attention.accumulators ≥ 2")
        let model = finished(ElsaPipeline(parameters: parameters, selection: selection, fastForward: fastForward))
        return (model.timing(), model.fastForward.skippedQueries)
    }

    /// `simulate` with the closed-form drains (`KeyBank.drainInClosedForm`) on or off, and the bank-cycles
    /// they covered (the switch and the count tests use).
    static func simulate(parameters: TimingParameters, selection: SelectionMatrix,
                         closedFormDrains: Bool) -> (timing: HeadTiming, drainedCycles: Int) {
        let model = finished(ElsaPipeline(parameters: parameters, selection: selection, closedFormDrains: closedFormDrains))
        return (model.timing(), model.banks.reduce(0) { $0 + $1.drainedCycles })
    }

    /// `pipeline` run on the event engine from the first query start to the last event (its per-query
    /// records included).
    static func finished(_ pipeline: ElsaPipeline) -> ElsaPipeline {
        var simulator = Simulator(model: pipeline)
        simulator.schedule(.queryStart(0), at: pipeline.preprocessingEnd)
        simulator.run()
        return simulator.model
    }

    /// Collects the statistics once the last event has run.
    func timing() -> HeadTiming {
        let p = parameters
        let n = keys
        let q = queries
        let P = preprocessingEnd
        let lastOD = outputDivisionStart[q - 1]
        let total = lastOD + p.outputDivisionCycles + p.outputDivisionLatency

        var hash = UnitActivity(idle: total)
        var norm = UnitActivity(idle: total)
        let hashPreprocessing = p.preprocessingHashCycles(keys: n)
        if !p.exact {
            let busy = hashPreprocessing + p.hashCycles * Cycle(q - 1)
            let lastBusy = q >= 2 ? queryStart[q - 2] + p.hashCycles - 1 : hashPreprocessing - 1
            hash = .fromWindow(busy: busy, blocked: hashBlocked, windowStart: 0, lastBusy: lastBusy, total: total)
            let normBusy = Cycle((n + p.normKeysPerCycle - 1) / p.normKeysPerCycle)
            norm = .fromWindow(busy: normBusy, blocked: 0, windowStart: 0, lastBusy: normBusy - 1, total: total)
        }
        var selectors: [UnitActivity] = []
        var queues: [OccupancyStats] = []
        var attention: [UnitActivity] = []
        for bank in banks {
            bank.finish(at: total)
            for s in 0 ..< p.selectorsPerModule {
                selectors.append(.fromWindow(busy: bank.selectorBusy[s], blocked: bank.selectorBlocked[s],
                                             windowStart: P, lastBusy: bank.selectorLastBusy[s], total: total))
                queues.append(bank.occupancy[s])
            }
            attention.append(.fromWindow(busy: bank.attentionBusy, blocked: bank.attentionBlocked,
                                         windowStart: P, lastBusy: bank.attentionLastBusy, total: total))
        }
        let outputDivision = UnitActivity.fromWindow(busy: Cycle(q) * p.outputDivisionCycles, blocked: 0, windowStart: P,
                                                     lastBusy: lastOD + p.outputDivisionCycles - 1, total: total)
        return HeadTiming(totalCycles: total, preprocessingCycles: P, hash: hash, norm: norm, selectors: selectors,
                          attention: attention, outputDivision: outputDivision, queues: queues,
                          hashPreprocessingBusy: hashPreprocessing)
    }
}
