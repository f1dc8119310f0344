import SimCore

/// The closed-form views of one head invocation that every report sets beside the simulated cycles
/// (`docs/model.md` §6).
///
/// - `paperClosedForm`: ELSA IV-D's steady-state estimate, `P_paper + Σ_i max(H, ⌈u_i/Pc⌉, c_i, II)`
///   with `P_paper = H·(n+1)` (`768(n+1)/m_h` in general form, 0 in exact mode), where `u_i` and `c_i`
///   are the visible and selected keys of query `i` in its fullest bank (and `H` counts only in
///   approximate modes). It ignores fill, drain, back-pressure and the norm unit, and it charges each
///   query its own maximum, so the simulation can be above it (fill, drain, queues) or below it (one
///   query's scan overlapping the previous query's attention).
/// - `lowerBound`: a bound no schedule that obeys `docs/model.md` can beat, from the work of each
///   resource (proved in `docs/model.md` §6); the simulation is never below it.
public struct AnalyticModel: Sendable, Equatable {
    public var paperClosedForm: Cycle
    public var lowerBound: Cycle

    public init(paperClosedForm: Cycle, lowerBound: Cycle) {
        self.paperClosedForm = paperClosedForm
        self.lowerBound = lowerBound
    }

    public init(parameters p: TimingParameters, selection: SelectionMatrix) {
        let n = selection.keys
        let nq = selection.queries
        let pa = p.attentionModules, pc = Cycle(p.selectorsPerModule)
        let approximate = !p.exact
        let H = approximate ? p.hashCycles : 0
        var perBankSelected = [Int](repeating: 0, count: pa)
        var bankSelectedTotal = [Cycle](repeating: 0, count: pa)
        var selectorReads = [Cycle](repeating: 0, count: pa * p.selectorsPerModule)
        var sum: Cycle = 0
        // Each bank's key positions as a bitmask over a row's words, built once per head, so a query's
        // selected keys per bank are popcounts of the row masked by each bank's mask: Pa × words
        // operations per query, whatever the number of selected keys (mapping-agnostic).
        let words = selection.wordsPerRow
        var bankMasks = ContiguousArray<UInt64>(repeating: 0, count: p.exact ? 0 : pa * words)
        if !p.exact {
            for key in 0 ..< n { bankMasks[p.bank(ofKey: key, keys: n).bank * words + key >> 6] |= 1 << UInt64(key & 63) }
        }
        selection.bits.withUnsafeBufferPointer { bits in
            bankMasks.withUnsafeBufferPointer { masks in
                for i in 0 ..< nq {
                    let v = selection.visible[i]
                    let row = i * words
                    for b in 0 ..< pa {
                        if p.exact {
                            perBankSelected[b] = p.bankKeys(bank: b, visible: v, keys: n)
                        } else {
                            var count = 0
                            for w in 0 ..< words { count &+= (bits[row + w] & masks[b * words + w]).nonzeroBitCount }
                            perBankSelected[b] = count
                        }
                    }
                    var scan: Cycle = 0, selected: Cycle = 0
                    for b in 0 ..< pa {
                        let u = p.bankKeys(bank: b, visible: v, keys: n)
                        scan = max(scan, (Cycle(u) + pc - 1) / pc)
                        selected = max(selected, Cycle(perBankSelected[b]))
                        bankSelectedTotal[b] += Cycle(perBankSelected[b])
                        // ⌈(u − s)/Pc⌉ reads for lane s < u: ⌊u/Pc⌋, plus one for s < u mod Pc.
                        let (whole, extra) = u.quotientAndRemainder(dividingBy: p.selectorsPerModule)
                        for s in 0 ..< p.selectorsPerModule {
                            selectorReads[b * p.selectorsPerModule + s] += Cycle(whole + (s < extra ? 1 : 0))
                        }
                    }
                    sum += max(H, scan, selected, p.outputDivisionCycles)
                }
            }
        }
        // The paper's 768(n+1)/m_h: H·(n+1) with whole cycles per vector, ceil((n+1)·M_h/m_h) pipelined.
        paperClosedForm = p.preprocessingHashCycles(keys: n) + sum

        let P = ElsaPipeline.preprocessingCycles(parameters: p, keys: n)
        let tail = p.outputDivisionCycles + p.outputDivisionLatency
        var bound = P + Cycle(nq) * p.outputDivisionCycles + p.outputDivisionLatency
        for c in bankSelectedTotal where c > 0 {
            bound = max(bound, P + p.selectorDepth + c - 1 + p.attentionLatency + tail)
        }
        for reads in selectorReads where reads > 0 {
            bound = max(bound, P + reads - 1 + p.selectorDepth + tail)
        }
        if approximate { bound = max(bound, P + Cycle(nq - 1) * p.hashCycles + p.selectorDepth - 1 + tail) }
        lowerBound = bound
    }
}
