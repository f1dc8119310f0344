import SimCore

/// The cycle-stepped reference model of one head invocation (`--engine reference`).
///
/// It is written from `docs/model.md` alone and shares only `TimingParameters` (the constants) and
/// `SelectionMatrix` (the functional model's `sel(i, j)`) with the event engine; every timing rule,
/// the bank mapping included, is re-implemented here. It advances one cycle at a time,
/// `t = 0, 1, 2, …`, and in each cycle applies the rules of §4 in the order the page gives them:
/// query start, arbiter and attention module per bank, selectors, output division, hash unit.
/// See `docs/validation.md`, "The reference model", for the ambiguities it resolves.
public enum ReferencePipeline {
    /// Simulates one head invocation cycle by cycle, following docs/model.md literally.
    public static func simulate(parameters: TimingParameters, selection: SelectionMatrix) -> HeadTiming {
        simulateWithTrace(parameters: parameters, selection: selection).timing
    }

    /// `simulate`, plus the per-query times the hand-derived tests check.
    static func simulateWithTrace(parameters: TimingParameters,
                                  selection: SelectionMatrix) -> (timing: HeadTiming, trace: ReferenceTrace) {
        let machine = ReferenceMachine(parameters: parameters, selection: selection)
        machine.run()
        return machine.result()
    }
}

/// The whole accelerator state for one head invocation, stepped one cycle at a time.
final class ReferenceMachine {
    // MARK: Constants (docs/model.md §2, §3)

    let selection: SelectionMatrix
    /// `n`: keys of the invocation (real tokens unless tiled).
    let n: Int
    /// Queries of the invocation (`n` unless tiled, docs/model.md §9).
    let nq: Int
    let pa: Int
    let pc: Int
    let exact: Bool
    let arbiter: ArbiterPolicy
    let hashCycles: Cycle
    let depth: Cycle
    let attentionLatency: Cycle
    let accumulators: Int
    let divisionCycles: Cycle
    let divisionLatency: Cycle
    /// `pipeline.query_overlap = barrier`: rule 1 waits for `W(i, b)` instead of `W(i−1, b)`.
    let barrier: Bool
    /// Cycles of the preprocessing hash pass (§3): `H·(n+1)`, or `ceil((n+1)·M_h/m_h)` when pipelined.
    let hashPassCycles: Cycle
    /// `N = ceil(n / R_norm)` (0 in exact mode).
    let normCycles: Cycle
    /// `P`.
    let preprocessing: Cycle
    /// Keys of each bank in local-index order (`bankKeys[b][local] = j`).
    let bankKeys: [[Int]]
    /// Keys of bank `b` visible to query `i`: `visibleInBank[b][i]` (a prefix of the bank).
    let visibleInBank: [[Int]]
    /// Deadlock guard.
    let cycleBound: Cycle

    // MARK: State (docs/model.md §4)

    var selectors: [ReferenceSelector]
    var banks: [ReferenceBank]
    /// `S_i` (`nil` = not started).
    var starts: [Cycle?]
    /// Queries started so far.
    var startedQueries = 0
    /// `E_i`: last cycle any selector read a key of query `i` (`S_i − 1` until one does).
    var scanEnds: [Cycle?]
    /// `OD_i`.
    var divisionStarts: [Cycle?]
    var nextDivision = 0
    var divisionBusyUntil: Cycle = 0
    var division: ReferenceStateCounter
    /// Hash unit: the query whose hash it computes or holds in the next-query buffer, and the end
    /// (exclusive) of that computation.
    var hashQuery: Int? = nil
    var hashDoneAt: Cycle = 0
    var hash: ReferenceStateCounter
    var norm: ReferenceStateCounter
    /// `T`, known once the last output division starts.
    var total: Cycle? = nil
    var now: Cycle = 0

    init(parameters p: TimingParameters, selection: SelectionMatrix) {
        let n = selection.keys
        let nq = selection.queries
        precondition(n >= 1 && nq >= 1, "reference model: a head invocation needs at least one key and one query (n = \(n), queries = \(nq))")
        precondition(p.attentionModules >= 1 && p.selectorsPerModule >= 1, "reference model: Pa and Pc must be ≥ 1")
        precondition(p.selectorDepth >= 1, "reference model: D must be ≥ 1")
        precondition(p.queueDepth >= 1, "reference model: Q must be ≥ 1")
        precondition(p.attentionLatency >= 1, "reference model: L_att must be ≥ 1")
        precondition(p.accumulators >= 1, "reference model: B_acc must be ≥ 1")
        precondition(p.outputDivisionCycles >= 1, "reference model: II must be ≥ 1")
        precondition(p.outputDivisionLatency >= 0, "reference model: L_od must be ≥ 0")
        if !p.exact {
            precondition(p.hashCycles >= 1, "reference model: H must be ≥ 1 in approximate modes")
            precondition(p.normKeysPerCycle >= 1, "reference model: R_norm must be ≥ 1")
            precondition(p.normLatency >= 0, "reference model: L_norm must be ≥ 0")
        }
        for i in 0 ..< nq {
            precondition(selection.visible[i] >= 0 && selection.visible[i] <= n,
                         "reference model: v_\(i) = \(selection.visible[i]) outside 0 … \(n)")
        }

        self.selection = selection
        self.n = n
        self.nq = nq
        pa = p.attentionModules
        pc = p.selectorsPerModule
        exact = p.exact
        arbiter = p.arbiter
        hashCycles = p.hashCycles
        depth = p.selectorDepth
        attentionLatency = p.attentionLatency
        accumulators = p.accumulators
        divisionCycles = p.outputDivisionCycles
        divisionLatency = p.outputDivisionLatency
        barrier = p.queryOverlap == .barrier

        // §3: preprocessing, skipped in exact mode.
        if exact {
            normCycles = 0
            hashPassCycles = 0
            preprocessing = 0
        } else {
            let rate = Cycle(p.normKeysPerCycle)
            normCycles = (Cycle(n) + rate - 1) / rate
            switch p.hashPreprocessing {
            case .wholeCycles:
                // Each of the n + 1 vectors takes H whole cycles.
                hashPassCycles = p.hashCycles * Cycle(n + 1)
            case .pipelined:
                // Vector v is done at ceil((v+1)·M_h/m_h); the last one (query 0, v = n) ends the pass.
                precondition(p.hashMultiplies >= 1 && p.hashMultipliers >= 1, "reference model: M_h and m_h must be ≥ 1")
                var done: Cycle = 0
                for v in 0 ... n {
                    done = (Cycle(v + 1) * Cycle(p.hashMultiplies) + Cycle(p.hashMultipliers) - 1) / Cycle(p.hashMultipliers)
                }
                hashPassCycles = done
            }
            preprocessing = max(hashPassCycles, normCycles + p.normLatency)
        }

        // §2: banks, written out independently of TimingParameters' helpers.
        var keysOfBank = Array(repeating: [Int](), count: pa)
        let perBank = (n + pa - 1) / pa
        for j in 0 ..< n {
            let bank: Int, local: Int
            switch p.bankMapping {
            case .contiguous: (bank, local) = (j / perBank, j % perBank)
            case .interleaved: (bank, local) = (j % pa, j / pa)
            }
            precondition(keysOfBank[bank].count == local, "bank \(bank): key \(j) at local index \(local) out of order")
            keysOfBank[bank].append(j)
        }
        bankKeys = keysOfBank
        // "the keys of bank b that query i sees are a prefix of the bank": the keys are ascending in
        // local order, so the visible ones (j < v_i) are a prefix; count them.
        visibleInBank = keysOfBank.map { keys in
            selection.visible.map { v in
                let u = keys.prefix { $0 < v }.count
                precondition(keys.dropFirst(u).allSatisfy { $0 >= v }, "visible keys of a bank are not a prefix")
                return u
            }
        }

        let start = preprocessing
        selectors = (0 ..< pa * pc).map { index in
            ReferenceSelector(bank: index / p.selectorsPerModule, lane: index % p.selectorsPerModule,
                              queue: ReferenceQueue(capacity: p.queueDepth),
                              counter: ReferenceStateCounter(name: "selector \(index)", windowStart: start))
        }
        banks = (0 ..< pa).map { b in
            ReferenceBank(queries: nq, lanes: p.selectorsPerModule,
                          counter: ReferenceStateCounter(name: "attention \(b)", windowStart: start))
        }
        starts = Array(repeating: nil, count: nq)
        scanEnds = Array(repeating: nil, count: nq)
        divisionStarts = Array(repeating: nil, count: nq)
        division = ReferenceStateCounter(name: "output division", windowStart: start)
        hash = ReferenceStateCounter(name: "hash", windowStart: 0)
        norm = ReferenceStateCounter(name: "norm", windowStart: 0)

        let nn = Cycle(n), qq = Cycle(nq)
        cycleBound = 10 * (qq * nn + qq + nn) * (max(p.hashCycles, 0) + p.outputDivisionCycles + p.selectorDepth
            + p.attentionLatency + 10) + 1000 + preprocessing
    }

    // MARK: Lists and selection

    /// Length of the list `L(i, b, s)`: the visible local indices `s, s + Pc, …` of bank `b`.
    func listLength(query i: Int, bank b: Int, lane s: Int) -> Int {
        let u = visibleInBank[b][i]
        return u > s ? (u - s + pc - 1) / pc : 0
    }

    /// `sel(i, j)`; `true` for every visible key in exact mode.
    func isSelected(query i: Int, key j: Int) -> Bool {
        exact || selection.isSelected(query: i, key: j)
    }

    // MARK: The loop

    func run() {
        while true {
            let t = now
            precondition(t <= cycleBound, "reference model: no progress by cycle \(t) (bound \(cycleBound)); "
                + "docs/model.md deadlocks in state \(stateDescription)")
            let started = startQueries(at: t)        // rule 1
            for b in 0 ..< pa { stepBank(b, at: t) } // rule 2
            stepSelectors(at: t)                     // rule 3
            stepDivision(at: t)                      // rule 4
            stepHash(at: t, started: started)        // rule 5 (and §3 preprocessing)
            norm.record(!exact && t < normCycles ? .busy : .waiting, at: t)
            if t >= preprocessing {
                // Queue statistics: reserved slots at the end of every cycle of [P, T).
                for s in selectors.indices {
                    selectors[s].occupancy.record(level: selectors[s].queue.reserved, cycles: 1)
                }
            }
            now = t + 1
            if let end = total, now == end { break }
        }
    }

    // MARK: Rule 1: query start

    /// Starts every query whose conditions hold at cycle `t`; returns the queries started.
    func startQueries(at t: Cycle) -> [Int] {
        var started: [Int] = []
        while startedQueries < nq {
            let next = startedQueries
            if next == 0 {
                // S_0 = P.
                guard t >= preprocessing else { break }
            } else {
                let i = next - 1
                // (hash) S_{i+1} ≥ S_i + H: the hash of query i+1 is ready.
                if !exact {
                    guard hashQuery == next, t >= hashDoneAt else { break }
                }
                // (selectors) every selector has read its whole list of query i: S_{i+1} > E_i.
                guard selectors.allSatisfy({ $0.query == i && $0.exhausted }) else { break }
                // (attention) every module has moved past query i−1: S_{i+1} ≥ W(i−1, b) (run-ahead), or
                // past query i: S_{i+1} ≥ W(i, b) (barrier). W is decided in rule 2 of a cycle, which
                // rule 1 precedes; its conditions only depend on earlier cycles, so rule 1 evaluates them
                // for cycle t (see hasLeft).
                let through = barrier ? i : i - 1
                if through >= 0 {
                    guard (0 ..< pa).allSatisfy({ hasLeft(bank: $0, through: through, at: t) }) else { break }
                }
            }
            // At S_i every selector's current query becomes i.
            starts[next] = t
            scanEnds[next] = t - 1
            for s in selectors.indices {
                selectors[s].query = next
                selectors[s].position = 0
                selectors[s].listLength = listLength(query: next, bank: selectors[s].bank, lane: selectors[s].lane)
            }
            startedQueries += 1
            started.append(next)
        }
        return started
    }

    // MARK: Rule 2: arbiter and attention module

    /// `R(a, b)`: `D` plus the last cycle a selector of bank `b` read a key of `a`, or `S_a − 1 + D`
    /// if the bank has no key for `a`. Only meaningful once every key of `a` in `b` has been read.
    func readyCycle(bank b: Int, query a: Int) -> Cycle {
        if visibleInBank[b][a] == 0 {
            precondition(banks[b].lastRead[a] == nil, "bank \(b) read a key of query \(a) it does not have")
            return starts[a]! - 1 + depth
        }
        return banks[b].lastRead[a]! + depth
    }

    /// Whether bank `b` may leave its query `a` at cycle `t`: `a` has started, every key of `a` in the
    /// bank has been read and is visible (`t ≥ R(a, b)`), and no entry of `a` is left in its queues.
    func canLeave(bank b: Int, query a: Int, at t: Cycle) -> Bool {
        guard a < nq, let s = starts[a], s <= t else { return false }
        let lanes = selectors[b * pc ..< (b + 1) * pc]
        for selector in lanes {
            guard let q = selector.query, q >= a else { return false }
            if q == a && !selector.exhausted { return false }
        }
        guard t >= readyCycle(bank: b, query: a) else { return false }
        for selector in lanes where selector.queue.holds(query: a) { return false }
        return true
    }

    /// `W(a, b) ≤ t`: bank `b` has left, or leaves in rule 2 of cycle `t`, every query up to `a`.
    func hasLeft(bank b: Int, through a: Int, at t: Cycle) -> Bool {
        var q = banks[b].current
        while q <= a {
            guard canLeave(bank: b, query: q, at: t) else { return false }
            q += 1
        }
        return true
    }

    /// The accumulator for query `a` is free at cycle `t`: `a < B_acc`, or the output division
    /// started query `a − B_acc` at a cycle `< t` (it read that partial and freed its accumulator).
    func accumulatorFree(query a: Int, at t: Cycle) -> Bool {
        if a < accumulators { return true }
        guard let read = divisionStarts[a - accumulators] else { return false }
        return read < t
    }

    func stepBank(_ b: Int, at t: Cycle) {
        let bank = banks[b]
        // First the module moves past finished queries (several may be left in one cycle).
        while bank.current < nq && canLeave(bank: b, query: bank.current, at: t) {
            let a = bank.current
            let previous = a == 0 ? preprocessing : bank.leftAt[a - 1]!
            let issued = bank.lastIssue[a]
            let recurrence = max(previous, issued.map { $0 + 1 } ?? Cycle.min, readyCycle(bank: b, query: a))
            precondition(recurrence == t, "bank \(b) left query \(a) at \(t), but W(a, b) = \(recurrence)")
            bank.leftAt[a] = t
            // PA(a, b) = max(last issue cycle of a + L_att, W(a, b)).
            bank.partialAt[a] = max(issued.map { $0 + attentionLatency } ?? t, t)
            bank.current = a + 1
        }

        // Then the arbiter looks for a queue of the bank with a visible entry of query a at its head.
        let a = bank.current
        let lanes = selectors[b * pc ..< (b + 1) * pc]
        func isCandidate(_ lane: Int) -> Bool {
            guard a < nq, let head = lanes[b * pc + lane].queue.head else { return false }
            return head.query == a && head.visibleFrom <= t
        }
        var chosen: Int? = nil
        switch arbiter {
        case .longestQueueFirst:
            // The queue with the most visible entries; ties go to the lowest selector index.
            var most = -1
            for lane in 0 ..< pc where isCandidate(lane) {
                let count = lanes[b * pc + lane].queue.visibleCount(at: t)
                if count > most { (chosen, most) = (lane, count) }
            }
        case .roundRobin:
            // The first candidate after the last granted selector, in cyclic order.
            for step in 1 ... pc {
                let lane = (bank.lastGranted + step) % pc
                if isCandidate(lane) {
                    chosen = lane
                    break
                }
            }
        }
        guard let lane = chosen else {
            bank.counter.record(.waiting, at: t)
            return
        }
        guard accumulatorFree(query: a, at: t) else {
            // An entry exists but the accumulator is not free.
            bank.counter.record(.blocked, at: t)
            return
        }
        let entry = lanes[b * pc + lane].queue.pop()
        precondition(entry.query == a && entry.visibleFrom <= t)
        bank.lastGranted = lane
        bank.lastIssue[a] = t
        bank.counter.record(.busy, at: t)
    }

    // MARK: Rule 3: selectors

    func stepSelectors(at t: Cycle) {
        for selector in selectors {
            guard let i = selector.query, !selector.exhausted else {
                selector.counter.record(.waiting, at: t)
                continue
            }
            let key = bankKeys[selector.bank][selector.lane + selector.position * pc]
            precondition(key < selection.visible[i], "a selector reads key \(key), not visible to query \(i)")
            let selected = isSelected(query: i, key: key)
            if selected && selector.queue.isFull {
                // All Q slots are reserved (after this cycle's pop): blocked, reads nothing.
                selector.counter.record(.blocked, at: t)
                continue
            }
            selector.position += 1
            if selected {
                selector.queue.reserve(ReferenceEntry(query: i, key: key, visibleFrom: t + depth))
            }
            banks[selector.bank].lastRead[i] = t
            scanEnds[i] = t
            selector.counter.record(.busy, at: t)
        }
    }

    // MARK: Rule 4: output division

    func stepDivision(at t: Cycle) {
        if nextDivision < nq && banks.allSatisfy({ $0.current > nextDivision }) {
            let i = nextDivision
            // OD_i = max(max_b PA(i, b), OD_{i−1} + II).
            var earliest = banks.map { $0.partialAt[i]! }.max()!
            if i > 0 { earliest = max(earliest, divisionStarts[i - 1]! + divisionCycles) }
            if t >= earliest {
                precondition(t == earliest, "output division of query \(i) starts at \(t), after OD_i = \(earliest)")
                precondition(t >= divisionBusyUntil)
                divisionStarts[i] = t
                divisionBusyUntil = t + divisionCycles
                nextDivision += 1
                if i == nq - 1 {
                    // T = OD_{n−1} + II + L_od.
                    total = t + divisionCycles + divisionLatency
                }
            }
        }
        division.record(t < divisionBusyUntil ? .busy : .waiting, at: t)
    }

    // MARK: Rule 5: hash unit (and §3 preprocessing)

    func stepHash(at t: Cycle, started: [Int]) {
        if exact {
            hash.record(.waiting, at: t)
            return
        }
        if t < preprocessing {
            // §3: the n keys and then query 0, back to back: busy at [0, P_hash). The cycles
            // [P_hash, P) are not in the blocked set [S_i + H, S_{i+1}) of §5: starved (idle if n = 1).
            if t < hashPassCycles {
                hash.record(.busy, at: t)
                if t == hashPassCycles - 1 {
                    hashQuery = 0
                    hashDoneAt = t + 1
                }
            } else {
                hash.record(.waiting, at: t)
            }
            return
        }
        // The hash of query i+1 is computed at [S_i, S_i + H), for i + 1 < n.
        for i in started where i + 1 < nq {
            precondition(t >= hashDoneAt, "hash of query \(i + 1) starts at \(t) while the previous one runs until \(hashDoneAt)")
            hashQuery = i + 1
            hashDoneAt = t + hashCycles
        }
        if t < hashDoneAt {
            hash.record(.busy, at: t)
        } else if let q = hashQuery, starts[q] == nil, q + 1 < nq {
            // The next query's hash is done and waits for its query to start while another query
            // still needs hashing: [S_i + H, S_{i+1}) for i + 2 < n.
            hash.record(.blocked, at: t)
        } else {
            hash.record(.waiting, at: t)
        }
    }

    // MARK: Result

    func result() -> (timing: HeadTiming, trace: ReferenceTrace) {
        guard let end = total else { preconditionFailure("reference model: result() before the end") }
        let s = starts.map { $0! }
        let e = scanEnds.map { $0! }
        let w = banks.map { $0.leftAt.map { $0! } }
        let pa = banks.map { $0.partialAt.map { $0! } }
        let od = divisionStarts.map { $0! }

        // Cross-checks: the cycle-stepped behaviour against the closed recurrences of §4.
        for i in 0 ..< nq - 1 {
            var bound = e[i] + 1
            if !exact { bound = max(bound, s[i] + hashCycles) }
            if barrier { bound = max(bound, w.map { $0[i] }.max()!) }
            else { bound = max(bound, i == 0 ? preprocessing : w.map { $0[i - 1] }.max()!) }
            precondition(s[i + 1] == bound, "S_\(i + 1) = \(s[i + 1]) but the rule 1 conditions first hold at \(bound)")
        }
        for i in 0 ..< nq {
            var bound = pa.map { $0[i] }.max()!
            if i > 0 { bound = max(bound, od[i - 1] + divisionCycles) }
            precondition(od[i] == bound, "OD_\(i) = \(od[i]) but the rule 4 formula gives \(bound)")
        }
        let hashActivity = hash.finish(total: end)
        if !exact {
            var expectedBlocked: Cycle = 0
            for i in 0 ..< nq where i + 2 < nq { expectedBlocked += s[i + 1] - s[i] - hashCycles }
            precondition(hashActivity.blocked == expectedBlocked,
                         "hash blocked \(hashActivity.blocked), §5 gives \(expectedBlocked)")
            precondition(hashActivity.busy == hashPassCycles + Cycle(nq - 1) * hashCycles)
        }
        let timing = HeadTiming(totalCycles: end, preprocessingCycles: preprocessing,
                                hash: hashActivity,
                                norm: norm.finish(total: end),
                                selectors: selectors.map { $0.counter.finish(total: end) },
                                attention: banks.map { $0.counter.finish(total: end) },
                                outputDivision: division.finish(total: end),
                                queues: selectors.map { $0.occupancy },
                                hashPreprocessingBusy: hashPassCycles)
        precondition(timing.isConserved)
        return (timing, ReferenceTrace(starts: s, scanEnds: e, leaves: w, partials: pa, divisionStarts: od))
    }

    /// The state a deadlock message names.
    var stateDescription: String {
        let sel = selectors.enumerated().map { index, s in
            "sel\(index)[q\(s.query.map(String.init) ?? "-") \(s.position)/\(s.listLength) queue \(s.queue.slots)]"
        }.joined(separator: " ")
        let att = banks.enumerated().map { b, bank in "bank\(b)[a=\(bank.current)]" }.joined(separator: " ")
        return "started \(startedQueries)/\(nq), \(att), \(sel), next division \(nextDivision), "
            + "hash query \(hashQuery.map(String.init) ?? "-") done at \(hashDoneAt)"
    }
}
