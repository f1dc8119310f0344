import SimCore

/// ELSA IV-D's steady-state cost per query, applied query by query to one head invocation
/// (`docs/model.md` §6): query `i` costs `max(H, max_b ⌈u_b / Pc⌉, max_b c_b, II)` cycles, where bank
/// `b` holds `u_b` of the keys query `i` sees and `c_b` of its selected keys. The term that attains
/// the maximum is the query's *limiter*: hash unit, candidate selection (the scan), attention or
/// output division. Ties split the query equally among the tied terms.
///
/// It ignores fill and drain, back-pressure and the overlap of neighbouring queries, so it explains
/// the simulation rather than bounding it (§6: the sum is not a lower bound of the model).
public struct SteadyStateBound: Sendable, Equatable {
    /// Σ over queries of the per-query maximum (cycles).
    public var cycles: Cycle
    /// Queries limited by each term (fractional on ties); they add up to `n`.
    public var hash: Double
    public var candidateSelection: Double
    public var attention: Double
    public var outputDivision: Double

    public init(cycles: Cycle = 0, hash: Double = 0, candidateSelection: Double = 0, attention: Double = 0, outputDivision: Double = 0) {
        self.cycles = cycles
        self.hash = hash
        self.candidateSelection = candidateSelection
        self.attention = attention
        self.outputDivision = outputDivision
    }

    /// The bound of one head invocation (`exact` selects every visible key and has no hash term).
    public init(parameters p: TimingParameters, selection: SelectionMatrix) {
        self.init()
        let n = selection.keys
        var selectedPerBank = [Int](repeating: 0, count: p.attentionModules)
        for i in 0 ..< selection.queries {
            let v = selection.visible[i]
            for b in selectedPerBank.indices { selectedPerBank[b] = 0 }
            for j in 0 ..< v where p.exact || selection.isSelected(query: i, key: j) {
                selectedPerBank[p.bank(ofKey: j, keys: n).bank] += 1
            }
            var scan = 0
            for b in 0 ..< p.attentionModules {
                let u = p.bankKeys(bank: b, visible: v, keys: n)
                scan = max(scan, (u + p.selectorsPerModule - 1) / p.selectorsPerModule)
            }
            let terms: [Cycle] = [p.exact ? 0 : p.hashCycles, Cycle(scan), Cycle(selectedPerBank.max() ?? 0), p.outputDivisionCycles]
            let worst = terms.max()!
            cycles += worst
            let tied = Double(terms.filter { $0 == worst }.count)
            if terms[0] == worst { hash += 1 / tied }
            if terms[1] == worst { candidateSelection += 1 / tied }
            if terms[2] == worst { attention += 1 / tied }
            if terms[3] == worst { outputDivision += 1 / tied }
        }
    }

    /// The bound of a head with `n` keys on a key memory of `capacity` keys: the untiled bound when it
    /// fits, else the sum over its key tiles (`docs/model.md` §9; a query counts once per tile it runs in).
    public init(parameters p: TimingParameters, selection: SelectionMatrix, capacity: Int) {
        guard selection.keys > capacity else {
            self.init(parameters: p, selection: selection)
            return
        }
        self = KeyTiling.tiles(of: selection, capacity: capacity).reduce(SteadyStateBound()) {
            $0 + SteadyStateBound(parameters: p, selection: $1.selection)
        }
    }

    public static func + (a: SteadyStateBound, b: SteadyStateBound) -> SteadyStateBound {
        SteadyStateBound(cycles: a.cycles + b.cycles, hash: a.hash + b.hash, candidateSelection: a.candidateSelection + b.candidateSelection,
                         attention: a.attention + b.attention, outputDivision: a.outputDivision + b.outputDivision)
    }

    /// Queries counted (`hash + candidateSelection + attention + outputDivision`).
    public var queries: Double { hash + candidateSelection + attention + outputDivision }
}
