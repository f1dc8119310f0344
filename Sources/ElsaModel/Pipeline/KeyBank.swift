import SimCore

/// One key bank of ELSA's parallel pipeline (ELSA §IV-C, "parallel pipeline"; `docs/model.md` §4): the
/// bank's `Pc` candidate selectors with their output queues, the arbiter, and the attention
/// computation module that consumes one selected key per cycle.
///
/// The bank is a component with its own clock: the pipeline asks it to advance to a cycle, and it
/// simulates every cycle up to there with the rules of `docs/model.md` (steps 2 and 3 of a cycle),
/// skipping stretches in which nothing can change. Between two query starts a bank depends on no other
/// bank (the barrier of step 1 and the accumulator gate only look at finished queries), which is what
/// lets the pipeline advance banks one after another.
struct KeyBank {
    /// A selected key ID in a selector output queue: which query it belongs to and when it becomes
    /// visible to the arbiter (`D` cycles after the key was read).
    struct Entry: Sendable {
        var query: Int32
        var visibleAt: Cycle
    }

    let bank: Int
    let parameters: TimingParameters
    /// Real tokens `n`.
    let keys: Int

    // Candidate selectors (index s = 0 ..< Pc) and their output queues.
    private(set) var queues: [BoundedFIFO<Entry>]
    private var listLength: [Int]
    private var position: [Int]
    private(set) var selectorBusy: [Cycle]
    private(set) var selectorBlocked: [Cycle]
    private(set) var selectorLastBusy: [Cycle?]
    private(set) var occupancy: [OccupancyStats]
    /// Query whose keys the selectors read (−1 before the first start) and its start cycle.
    private var readQuery = -1
    private var readStart: Cycle = 0
    private var readsExhausted = true

    // Attention computation module.
    /// Current query `a_b`.
    private(set) var current = 0
    private var roundRobinLast: Int
    private(set) var attentionBusy: Cycle = 0
    private(set) var attentionBlocked: Cycle = 0
    private(set) var attentionLastBusy: Cycle? = nil

    // Per-query records (index = query).
    /// Last cycle a selector of this bank read a key of the query (`S_a − 1` if none).
    private var lastRead: [Cycle]
    /// Entries of the query still in this bank's queues.
    private var pending: [Int32]
    private var lastIssue: [Cycle?]
    /// `W(a, b)`: the cycle at which the attention module left query `a`.
    private(set) var leftAt: [Cycle]
    /// `PA(a, b)`: the cycle from which the partial result of query `a` is available.
    private(set) var partialAvailable: [Cycle]

    /// The next cycle this bank has not simulated yet.
    private(set) var clock: Cycle
    /// Interval recorder for timelines; `nil` (the default) records nothing and allocates nothing.
    var recorder: BankRecorder? = nil

    init(bank: Int, parameters: TimingParameters, keys: Int, start: Cycle) {
        self.bank = bank
        self.parameters = parameters
        self.keys = keys
        let pc = parameters.selectorsPerModule
        queues = Array(repeating: BoundedFIFO(capacity: parameters.queueDepth, filler: Entry(query: -1, visibleAt: 0)), count: pc)
        listLength = Array(repeating: 0, count: pc)
        position = Array(repeating: 0, count: pc)
        selectorBusy = Array(repeating: 0, count: pc)
        selectorBlocked = Array(repeating: 0, count: pc)
        selectorLastBusy = Array(repeating: nil, count: pc)
        occupancy = Array(repeating: OccupancyStats(), count: pc)
        roundRobinLast = pc - 1
        lastRead = Array(repeating: 0, count: keys)
        pending = Array(repeating: 0, count: keys)
        lastIssue = Array(repeating: nil, count: keys)
        leftAt = Array(repeating: -1, count: keys)
        partialAvailable = Array(repeating: -1, count: keys)
        clock = start
    }

    /// Step 1 of a cycle, as seen by this bank: query `query` starts at `start` (= `clock`).
    mutating func startQuery(_ query: Int, at start: Cycle, visible: Int) {
        precondition(start == clock, "bank \(bank): query \(query) starts at \(start) but the bank is at \(clock)")
        precondition(readsExhausted, "bank \(bank): query \(query) starts before query \(readQuery) was read")
        readQuery = query
        readStart = start
        lastRead[query] = start - 1
        let u = parameters.bankKeys(bank: bank, visible: visible, keys: keys)
        let pc = parameters.selectorsPerModule
        var any = false
        for s in 0 ..< pc {
            listLength[s] = u > s ? (u - s + pc - 1) / pc : 0
            position[s] = 0
            any = any || listLength[s] > 0
        }
        readsExhausted = !any
    }

    /// Simulates cycles until the bank no longer holds up the start of the next query (`docs/model.md`
    /// step 1: all of the current query's keys read, attention past the previous query) and returns
    /// that cycle, without simulating it.
    mutating func runUntilReady(selection: borrowing SelectionMatrix, outputDivisionStart: [Cycle]) -> Cycle {
        while true {
            advanceAttention(at: clock)
            if readsExhausted && current >= readQuery { return clock }
            simulateCycle(selection: selection, outputDivisionStart: outputDivisionStart)
        }
    }

    /// Simulates every cycle before `end` (no query starts in between).
    mutating func run(until end: Cycle, selection: borrowing SelectionMatrix, outputDivisionStart: [Cycle]) {
        while clock < end {
            simulateCycle(selection: selection, outputDivisionStart: outputDivisionStart)
        }
    }

    /// Simulates until the attention module has left the last query (no further query will start).
    mutating func runUntilDrained(selection: borrowing SelectionMatrix, outputDivisionStart: [Cycle]) {
        while true {
            advanceAttention(at: clock)
            if current >= keys { return }
            simulateCycle(selection: selection, outputDivisionStart: outputDivisionStart)
        }
    }

    /// The attention module leaves every finished query (`W` recurrence of `docs/model.md` step 2).
    private mutating func advanceAttention(at t: Cycle) {
        while current <= readQuery {
            let a = current
            let readsDone = a < readQuery || readsExhausted
            guard readsDone, pending[a] == 0, t >= lastRead[a] + parameters.selectorDepth else { return }
            leftAt[a] = t
            partialAvailable[a] = max(t, (lastIssue[a] ?? Cycle.min / 2) + parameters.attentionLatency)
            current += 1
        }
    }

    /// One cycle: leave finished queries, arbitrate and issue, let the selectors read, sample queues.
    private mutating func simulateCycle(selection: borrowing SelectionMatrix, outputDivisionStart: [Cycle]) {
        let t = clock
        advanceAttention(at: t)
        issue(at: t, outputDivisionStart: outputDivisionStart)
        if !readsExhausted && t >= readStart { read(at: t, selection: selection) }
        for s in 0 ..< queues.count { occupancy[s].record(level: queues[s].count, cycles: 1) }
        if recorder != nil { recordCycle(t) }
        clock = t + 1
    }

    /// Hands cycle `t`'s counters to the recorder (kept out of line so the default path stays as it was).
    @inline(never)
    private mutating func recordCycle(_ t: Cycle) {
        recorder!.endCycle(t, readQuery: readQuery, attentionQuery: current, selectorBusy: selectorBusy,
                           selectorBlocked: selectorBlocked, attentionBusy: attentionBusy,
                           attentionBlocked: attentionBlocked, queues: queues)
    }

    /// Step 2: the arbiter pops one visible entry of the current query into the attention module.
    private mutating func issue(at t: Cycle, outputDivisionStart: [Cycle]) {
        let a = current
        guard a < keys else { return }
        let pc = queues.count
        var chosen = -1
        switch parameters.arbiter {
        case .longestQueueFirst:
            var bestLength = 0
            for s in 0 ..< pc {
                guard let head = queues[s].first, head.query == Int32(a), head.visibleAt <= t else { continue }
                var visible = 1
                while visible < queues[s].count && queues[s][visible].visibleAt <= t { visible += 1 }
                if visible > bestLength { bestLength = visible; chosen = s }
            }
        case .roundRobin:
            for step in 1 ... pc {
                let s = (roundRobinLast + step) % pc
                if let head = queues[s].first, head.query == Int32(a), head.visibleAt <= t { chosen = s; break }
            }
        }
        guard chosen >= 0 else { return }
        let gateQuery = a - parameters.accumulators
        if gateQuery >= 0 {
            precondition(outputDivisionStart[gateQuery] >= 0,
                         "bank \(bank): output division start of query \(gateQuery) unknown at cycle \(t)")
        }
        if gateQuery >= 0 && outputDivisionStart[gateQuery] >= t {
            attentionBlocked += 1
            return
        }
        queues[chosen].pop()
        roundRobinLast = chosen
        pending[a] -= 1
        lastIssue[a] = t
        attentionBusy += 1
        attentionLastBusy = t
    }

    /// Step 3: every selector with keys left reads one, unless its next key is selected and its queue full.
    private mutating func read(at t: Cycle, selection: borrowing SelectionMatrix) {
        let q = readQuery
        let pc = queues.count
        var anyLeft = false
        for s in 0 ..< pc where position[s] < listLength[s] {
            let local = s + position[s] * pc
            let key = parameters.key(bank: bank, local: local, keys: keys)
            let selected = parameters.exact || selection.isSelected(query: q, key: key)
            if selected && queues[s].isFull {
                selectorBlocked[s] += 1
                anyLeft = true
                continue
            }
            position[s] += 1
            selectorBusy[s] += 1
            selectorLastBusy[s] = t
            lastRead[q] = t
            if selected {
                queues[s].push(Entry(query: Int32(q), visibleAt: t + parameters.selectorDepth))
                pending[q] += 1
            }
            if position[s] < listLength[s] { anyLeft = true }
        }
        readsExhausted = !anyLeft
    }
}
