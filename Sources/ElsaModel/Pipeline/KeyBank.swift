import SimCore

/// One key bank of ELSA's parallel pipeline (ELSA §IV-C, "parallel pipeline"; `docs/model.md` §4): the
/// bank's `Pc` candidate selectors with their output queues (`Q` slots each), the arbiter, and the
/// attention computation module that consumes one selected key per cycle.
///
/// The bank is a component with its own clock: the pipeline asks it to advance, and it applies the
/// rules of `docs/model.md` (steps 2 and 3 of a cycle) at every cycle in which something can change,
/// jumping over the others. Only selected keys and arbiter grants are events: a selector reading
/// unselected keys advances one key per cycle by arithmetic, a selector stalled on a full queue wakes
/// when the arbiter pops its queue, and an arbiter held by a closed accumulator gate wakes when the gate
/// opens. Between two query starts a bank depends on no other bank (the barrier of step 1 and the
/// accumulator gate only look at finished queries), which lets the pipeline advance banks one at a time.
///
/// The state is data-oriented (`docs/architecture.md`): each selector lane is one small record (`Lane`)
/// holding its queue as counts — the entries of one selector are pushed in cycle order and all become
/// visible `D` cycles after their push, so the visible entries are a prefix of the queue and the entries
/// of the current query precede those of the next — and the entries still in the selector pipeline are
/// one FIFO of (visible-from cycle, lane) for the whole bank. Longest-queue-first is then the first
/// argmax of the lanes' scores (the visible count of a lane whose head is a visible entry of the current
/// query, else 0). A bank holds entries of at most two queries, `current` and `current + 1`: rule 1
/// starts query `i + 1` only once every module has left query `i − 1`.
///
/// Stored properties opt out of dynamic exclusivity checks: the bank is only ever used by one thread and
/// its methods never overlap accesses, and the checks cost 5× in this loop (measured with perf).
final class KeyBank {
    /// One candidate selector and its output queue.
    struct Lane {
        /// Reserved slots (entries in the pipeline or visible).
        var count: Int32 = 0
        /// Leading entries that are visible (exact at every simulated cycle once in-flight entries
        /// due by then have been made visible).
        var visible: Int32 = 0
        /// Entries of the current query (at the front of the queue).
        var own: Int32 = 0
        /// Entries of query `current + 1` (behind those of `current`).
        var next: Int32 = 0
        /// Next selected key to read (index into the lane's selected positions).
        var cursor: Int32 = 0
        /// Selected keys in the lane's list for the query being read.
        var selectedCount: Int32 = 0
        /// The most slots ever reserved.
        var occupancyMax: Int32 = 0
        /// The cycle of the selector's next selected read (`base + position(cursor)`; while stalled, the
        /// read it waits to make), or `never` when it has none left.
        var nextRead: Cycle = KeyBank.never
        /// Cycle from which the selector is stalled on a full queue, or −1. It may lie ahead: a lane
        /// whose queue is full when its next read is set stalls at that read unless its queue is popped
        /// first (then the stall is undone); its reads interval is recorded when the stall ends.
        var blockedSince: Cycle = -1
        /// List position `p` is read at cycle `base + p` unless a stall intervenes.
        var base: Cycle = 0
        /// Σ pop cycles − Σ push cycles of the queue's entries; with `count · end` added it is the queue's
        /// slot-cycles up to `end` (an entry reserved over `[push, pop)` is sampled at the end of
        /// `pop − push` cycles).
        var occupancyOffset: Int64 = 0
        /// Keys in the lane's list for the query being read.
        var listLength: Int32 = 0
        /// Selected positions binned so far for the next query.
        var binned: Int32 = 0
        var busyCycles: Cycle = 0
        var blockedCycles: Cycle = 0
        /// Last read cycle, or −1.
        var lastRead: Cycle = -1
        /// The next lane in the same `calendar` bucket, or −1.
        var link: Int32 = -1
    }

    let bank: Int
    let keys: Int
    /// Queries of the invocation (= `keys` unless tiled, `docs/model.md` §9).
    let queries: Int
    let selectors: Int
    let queueDepth: Int32
    let depth: Cycle
    let attentionLatency: Cycle
    let accumulators: Int
    let roundRobin: Bool
    /// `pipeline.query_overlap = barrier`: the next query waits until this module has left the current one.
    let barrier: Bool

    private let lanes: UnsafeMutablePointer<Lane>
    /// Longest-queue-first as one integer maximum: lane `s`'s `score << 10 | (1023 − s)` (ties go to the
    /// lower index; `Pc ≤ 1024` and `Q ≤ 2²⁰` keep it inside Int32), `arbiterLanes` of them, padding −1.
    private let arbiterKeys: UnsafeMutablePointer<Int32>
    /// `Pc` rounded up to a multiple of 8.
    private let arbiterLanes: Int
    /// Lanes with `score > 0`.
    @exclusivity(unchecked) private var candidates = 0
    /// In-flight entries: visible-from cycles and lanes, a ring of `flightCapacity` (a power of two).
    @exclusivity(unchecked) private var flightVisible: UnsafeMutablePointer<Cycle>
    @exclusivity(unchecked) private var flightLane: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private var flightCapacity: Int
    @exclusivity(unchecked) private var flightHead = 0
    @exclusivity(unchecked) private var flightCount = 0

    /// List positions of the selected keys, ascending, `listStride` per lane (the identity in exact mode).
    private let selectedPositions: UnsafeMutablePointer<Int32>
    /// Capacity of one selector's list: `ceil(keys / Pc)`.
    private let listStride: Int
    /// A calendar of the selectors' next selected reads: bucket `t mod R` lists (through `Lane.link`)
    /// the lanes whose `nextRead` is `t`. A lane's next read is less than `R` cycles ahead (its list has
    /// at most `listStride < R` keys), so a bucket never mixes two cycles; the cycle step looks only at
    /// the lanes reading now.
    private let calendar: UnsafeMutablePointer<Int32>
    /// `R − 1`, `R` a power of two above `listStride`.
    private let calendarMask: Int
    /// Lanes in the calendar.
    @exclusivity(unchecked) private var scheduled = 0
    /// Selectors that still have a selected key to read.
    @exclusivity(unchecked) private var selectorsWithWork = 0
    /// First cycle at which every selector has read its whole list (valid when `selectorsWithWork == 0`).
    @exclusivity(unchecked) private var readsDoneAt: Cycle = 0
    @exclusivity(unchecked) private var readQuery = -1

    // Attention computation module.
    /// Current query `a_b`.
    @exclusivity(unchecked) private(set) var current = 0
    @exclusivity(unchecked) private var roundRobinLast: Int
    @exclusivity(unchecked) private(set) var attentionBusy: Cycle = 0
    @exclusivity(unchecked) private(set) var attentionBlocked: Cycle = 0
    /// Last issue cycle, or −1.
    @exclusivity(unchecked) private var lastIssueCycle: Cycle = -1
    var attentionLastBusy: Cycle? { lastIssueCycle >= 0 ? lastIssueCycle : nil }
    /// Last cycle the accumulator gate blocked an issue.
    @exclusivity(unchecked) private var lastGateBlock: Cycle = -1

    // Per-query records (index = query).
    /// Last cycle a selector of this bank read a key of the query (`S_a − 1` if none).
    private let lastRead: UnsafeMutablePointer<Cycle>
    /// Entries of the query still reserved in this bank's queues.
    private let pending: UnsafeMutablePointer<Int32>
    private let lastIssue: UnsafeMutablePointer<Cycle>
    /// `W(a, b)`: the cycle at which the attention module left query `a`.
    @exclusivity(unchecked) private(set) var leftAt: ContiguousArray<Cycle>
    /// `PA(a, b)`: the cycle from which the partial result of query `a` is available.
    @exclusivity(unchecked) private(set) var partialAvailable: ContiguousArray<Cycle>

    /// The next cycle this bank has not simulated yet.
    @exclusivity(unchecked) private(set) var clock: Cycle
    /// Interval recorder for timelines; `nil` (the default) records nothing and allocates nothing.
    @exclusivity(unchecked) private(set) var recorder: BankRecorder? = nil
    /// `recorder != nil`, as a plain flag for the hot loop.
    @exclusivity(unchecked) private var recording = false
    /// First cycle of each selector's current run of reads (kept only while recording).
    @exclusivity(unchecked) private var readsSince: [Cycle] = []

    static let never = Cycle.max / 4

    init(bank: Int, parameters: TimingParameters, keys: Int, queries: Int, start: Cycle) {
        self.bank = bank
        self.keys = keys
        self.queries = queries
        selectors = parameters.selectorsPerModule
        queueDepth = Int32(clamping: parameters.queueDepth)
        depth = parameters.selectorDepth
        attentionLatency = parameters.attentionLatency
        accumulators = parameters.accumulators
        roundRobin = parameters.arbiter == .roundRobin
        barrier = parameters.queryOverlap == .barrier
        let pc = selectors
        lanes = .filled(Lane(), count: pc)
        arbiterLanes = (pc + 7) / 8 * 8
        arbiterKeys = .filled(-1, count: arbiterLanes)
        for s in 0 ..< pc { arbiterKeys[s] = Int32(1023 - s) }
        // At most Pc pushes per cycle stay in flight for D cycles; start small and grow on demand.
        flightCapacity = 64
        flightVisible = .filled(0, count: flightCapacity)
        flightLane = .filled(0, count: flightCapacity)
        listStride = (keys + pc - 1) / pc
        var buckets = 1
        while buckets <= listStride { buckets *= 2 }
        calendar = .filled(-1, count: buckets)
        calendarMask = buckets - 1
        selectedPositions = .filled(0, count: pc * listStride)
        if parameters.exact {
            for s in 0 ..< pc { for k in 0 ..< listStride { selectedPositions[s * listStride + k] = Int32(k) } }
        }
        roundRobinLast = pc - 1
        lastRead = .filled(0, count: queries)
        pending = .filled(0, count: queries)
        lastIssue = .filled(-KeyBank.never, count: queries)
        leftAt = ContiguousArray(repeating: -1, count: queries)
        partialAvailable = ContiguousArray(repeating: -1, count: queries)
        clock = start
        readsDoneAt = start
    }

    deinit {
        lanes.deallocate()
        arbiterKeys.deallocate()
        calendar.deallocate()
        flightVisible.deallocate()
        flightLane.deallocate()
        selectedPositions.deallocate()
        lastRead.deallocate()
        pending.deallocate()
        lastIssue.deallocate()
    }

    /// Starts recording intervals for timelines (before the first query).
    func startRecording() {
        recorder = BankRecorder(bank: bank, selectors: selectors)
        recording = true
    }

    /// Commits the recorder's held-back samples (call once the simulation is over).
    func flushRecording() {
        recorder?.flush()
    }

    /// Reserved-slot statistics of each selector queue (closed by `finish(at:)`).
    var occupancy: [OccupancyStats] {
        (0 ..< selectors).map { OccupancyStats(maximum: Int(lanes[$0].occupancyMax), cycleSum: lanes[$0].occupancyOffset) }
    }
    var selectorBusy: [Cycle] { (0 ..< selectors).map { lanes[$0].busyCycles } }
    var selectorBlocked: [Cycle] { (0 ..< selectors).map { lanes[$0].blockedCycles } }
    var selectorLastBusy: [Cycle?] { (0 ..< selectors).map { lanes[$0].lastRead >= 0 ? lanes[$0].lastRead : nil } }

    /// Clears the selected-position lists before the pipeline bins a new query's keys into them.
    func clearSelections() {
        for s in 0 ..< selectors { lanes[s].binned = 0 }
    }

    /// Records that the key at list position `position` of selector `selector` is selected.
    @inline(__always)
    func addSelected(selector: Int, position: Int) {
        let k = Int(lanes[selector].binned)
        selectedPositions[selector * listStride + k] = Int32(truncatingIfNeeded: position)
        lanes[selector].binned = Int32(truncatingIfNeeded: k + 1)
    }

    /// Step 1 as seen by this bank: query `query` starts at `start` (= `clock`). `bankKeys` is the
    /// number of keys of this bank the query sees; `everySelected` says every one is a candidate
    /// (otherwise the selected positions were added since `clearSelections()`).
    func startQuery(_ query: Int, at start: Cycle, bankKeys u: Int, everySelected: Bool) {
        precondition(start == clock, "bank \(bank): query \(query) starts at \(start) but the bank is at \(clock)")
        precondition(selectorsWithWork == 0 && readsDoneAt <= start,
                     "bank \(bank): query \(query) starts before query \(readQuery) was read")
        // The queues hold entries of `current` and `current + 1` only (see `Lane.own`).
        precondition(current >= query - 1, "bank \(bank): query \(query) starts while the module is at query \(current)")
        readQuery = query
        lastRead[query] = start - 1
        readsDoneAt = start
        let pc = selectors
        // Lane s reads keys s, s + Pc, …: ⌈(u − s)/Pc⌉ of them, which is ⌊u/Pc⌋ plus one for s < u mod Pc
        // (one division per query instead of one per lane).
        let (whole, extra) = u.quotientAndRemainder(dividingBy: pc)
        for s in 0 ..< pc {
            let length = whole &+ (s < extra ? 1 : 0)
            lanes[s].listLength = Int32(truncatingIfNeeded: length)
            lanes[s].busyCycles += Cycle(length)
            lanes[s].selectedCount = everySelected ? Int32(truncatingIfNeeded: length) : lanes[s].binned
            lanes[s].cursor = 0
            lanes[s].base = start
            lanes[s].blockedSince = -1
            if recording {
                if readsSince.isEmpty { readsSince = Array(repeating: start, count: pc) }
                readsSince[s] = start
            }
            if lanes[s].selectedCount > 0 {
                selectorsWithWork += 1
                lanes[s].nextRead = start + Cycle(selectedPositions[s * listStride])
                scheduleNextRead(s)
            } else {
                lanes[s].nextRead = KeyBank.never
                finishList(s)
            }
        }
    }

    /// Puts lane `s` in the calendar bucket of cycle `time` (its `nextRead`).
    @inline(__always)
    private func schedule(_ s: Int, at time: Cycle) {
        let bucket = Int(truncatingIfNeeded: time) & calendarMask
        lanes[s].link = calendar[bucket]
        calendar[bucket] = Int32(truncatingIfNeeded: s)
        scheduled &+= 1
    }

    /// Lane `s`'s next selected read is `nextRead` (not `never`): a lane whose queue is full stalls
    /// there unless the arbiter pops it first, so it waits for that pop instead of the calendar (only
    /// this selector fills its queue, so a lane with room at this point still has room at its read).
    @inline(__always)
    private func scheduleNextRead(_ s: Int) {
        if lanes[s].count == queueDepth {
            lanes[s].blockedSince = lanes[s].nextRead
        } else {
            schedule(s, at: lanes[s].nextRead)
        }
    }

    /// The earliest `nextRead` after cycle `t`, or `never` (every scheduled read is less than `R` cycles
    /// ahead, so the first non-empty bucket after `t` holds it).
    private func nextScheduledRead(after t: Cycle) -> Cycle {
        guard scheduled > 0 else { return KeyBank.never }
        for d in 1 ... calendarMask + 1 {
            let head = calendar[Int(truncatingIfNeeded: t + Cycle(d)) & calendarMask]
            if head >= 0 { return lanes[Int(head)].nextRead }
        }
        preconditionFailure("bank \(bank): \(scheduled) scheduled reads not found after cycle \(t)")
    }

    /// A selector has read its last selected key: the rest of its list is read one key per cycle.
    @inline(__always)
    private func finishList(_ s: Int) {
        let length = lanes[s].listLength
        guard length > 0 else { return }
        let last = lanes[s].base + Cycle(length) - 1
        lanes[s].lastRead = last
        if recording { recorder!.selectorReads(s, query: readQuery, from: readsSince[s], to: last + 1) }
        lastRead[readQuery] = max(lastRead[readQuery], last)
        if last + 1 > readsDoneAt { readsDoneAt = last + 1 }
    }

    /// Advances until the bank no longer holds up the next query start (step 1: every key of the
    /// current query read; attention past the previous query, or past the current one under the
    /// barrier rule) and returns that cycle, unsimulated.
    func runUntilReady(outputDivisionStart: UnsafeBufferPointer<Cycle>) -> Cycle {
        advance(limit: KeyBank.never, mode: .ready, outputDivisionStart: outputDivisionStart)
        return clock
    }

    /// Simulates every cycle before `end` (no query starts in between).
    func run(until end: Cycle, outputDivisionStart: UnsafeBufferPointer<Cycle>) {
        advance(limit: end, mode: .limit, outputDivisionStart: outputDivisionStart)
    }

    /// Advances until the attention module has left the last query.
    func runUntilDrained(outputDivisionStart: UnsafeBufferPointer<Cycle>) {
        advance(limit: KeyBank.never, mode: .drained, outputDivisionStart: outputDivisionStart)
    }

    private enum StopMode { case ready, limit, drained }

    private func advance(limit: Cycle, mode: StopMode, outputDivisionStart od: UnsafeBufferPointer<Cycle>) {
        while true {
            let t = clock
            leave(at: t)
            switch mode {
            case .ready:
                // Every selector done, every read past and the module past the query (or its
                // predecessor): one test of an OR of non-negative shortfalls, not three branches (which
                // of them holds changes from cycle to cycle, so each branch would mispredict).
                let shortfall = Cycle(selectorsWithWork) | max(0, readsDoneAt &- t)
                    | Cycle(max(0, readQuery &+ (barrier ? 1 : 0) &- current))
                if shortfall == 0 { return }
            case .drained: if current >= queries { return }
            case .limit: if t >= limit { return }
            }
            // Most cycles with work issue a key or read a selected one: try the cycle first, and only
            // when nothing happened find the next cycle at which something can.
            if simulateCycle(at: t, outputDivisionStart: od) { continue }
            var next = KeyBank.never
            var gateClosedUntil: Cycle = -1
            next = min(next, arbiterTime(at: t + 1, outputDivisionStart: od, gateClosedUntil: &gateClosedUntil))
            if let leaveAt = leaveTime(at: t + 1) { next = min(next, leaveAt) }
            next = min(next, nextScheduledRead(after: t))
            switch mode {
            // Under the barrier the wait ends with a leave, which `leaveTime` already schedules.
            case .ready: if selectorsWithWork == 0 && !barrier { next = min(next, max(t + 1, readsDoneAt)) }
            case .limit: next = min(next, limit)
            case .drained: break
            }
            precondition(next < KeyBank.never, "bank \(bank): no event left after cycle \(t) (query \(current))")
            if next > t + 1 {
                // Nothing changes in [t + 1, next): only the arbiter's blocked cycles accumulate.
                if gateClosedUntil > t + 1 {
                    attentionBlocked += min(next, gateClosedUntil) - (t + 1)
                    if recording {
                        recorder!.attention(.blocked, query: current, from: t + 1, to: min(next, gateClosedUntil))
                    }
                }
                clock = next
            }
        }
    }

    /// List position of lane `s`'s `k`-th selected key.
    @inline(__always)
    private func position(_ s: Int, _ k: Int32) -> Cycle {
        Cycle(selectedPositions[s &* listStride &+ Int(k)])
    }

    /// When the arbiter can next act, or `never`. Sets `gateClosedUntil` when a candidate waits for an
    /// accumulator. Called after a cycle `t − 1` in which nothing acted, so no lane is a candidate: the
    /// earliest candidate is the first in-flight entry whose lane's head belongs to the current query.
    private func arbiterTime(at t: Cycle, outputDivisionStart od: UnsafeBufferPointer<Cycle>, gateClosedUntil: inout Cycle) -> Cycle {
        guard current < queries else { return KeyBank.never }
        var earliest = KeyBank.never
        if candidates > 0 {
            earliest = t
        } else {
            let mask = flightCapacity - 1
            var k = 0
            while k < flightCount {
                let slot = (flightHead + k) & mask
                if lanes[Int(flightLane[slot])].own > 0 { earliest = flightVisible[slot]; break }
                k += 1
            }
        }
        guard earliest < KeyBank.never else { return KeyBank.never }
        let visibleFrom = max(t, earliest)
        let gateQuery = current - accumulators
        if gateQuery >= 0 {
            let opens = od[gateQuery] + 1
            precondition(od[gateQuery] >= 0, "bank \(bank): output division start of query \(gateQuery) unknown at cycle \(t)")
            if opens > visibleFrom {
                gateClosedUntil = opens
                // Blocked from the first cycle a candidate is visible until the gate opens.
                if visibleFrom > t { gateClosedUntil = -1; return visibleFrom }
                return opens
            }
        }
        return visibleFrom
    }

    /// When the module can leave its current query, if that is already determined.
    private func leaveTime(at t: Cycle) -> Cycle? {
        let a = current
        guard a <= readQuery, a < queries, pending[a] == 0 else { return nil }
        guard a < readQuery || selectorsWithWork == 0 else { return nil }
        return max(t, lastRead[a] + depth)
    }

    /// The attention module leaves every finished query (`W` recurrence of `docs/model.md` step 2).
    @inline(__always)
    private func leave(at t: Cycle) {
        while current <= readQuery && current < queries {
            let a = current
            guard pending[a] == 0, a < readQuery || selectorsWithWork == 0, t >= lastRead[a] + depth else { return }
            leftAt[a] = t
            partialAvailable[a] = max(t, lastIssue[a] + attentionLatency)
            current += 1
            // Query a has no entry left, so the next query's entries are now the current query's.
            candidates = 0
            for s in 0 ..< selectors {
                lanes[s].own = lanes[s].next
                lanes[s].next = 0
                let score = lanes[s].own > 0 ? lanes[s].visible : 0
                setScore(s, score)
                candidates &+= score > 0 ? 1 : 0
            }
        }
    }

    /// Lane `s`'s arbitration score: its `visible` count when the head entry is a visible entry of the
    /// current query, else 0 (kept only inside its key in `arbiterKeys`).
    @inline(__always)
    private func score(_ s: Int) -> Int32 { arbiterKeys[s] &>> 10 }

    /// Sets lane `s`'s arbitration score.
    @inline(__always)
    private func setScore(_ s: Int, _ score: Int32) {
        arbiterKeys[s] = score &<< 10 | Int32(truncatingIfNeeded: 1023 &- s)
    }

    /// Makes every in-flight entry with a visible-from cycle `≤ t` visible.
    @inline(__always)
    private func catchUpVisibility(at t: Cycle) {
        while flightCount > 0 && flightVisible[flightHead] <= t {
            let s = Int(flightLane[flightHead])
            flightHead = (flightHead &+ 1) & (flightCapacity &- 1)
            flightCount &-= 1
            let visible = lanes[s].visible &+ 1
            lanes[s].visible = visible
            if lanes[s].own > 0 {
                candidates &+= score(s) == 0 ? 1 : 0
                setScore(s, visible)
            }
        }
    }

    /// One cycle: arbitration, then the selectors. Returns whether any module acted (issued, was
    /// blocked, read a selected key or stalled); the clock moves to the next cycle either way.
    @inline(__always)
    private func simulateCycle(at t: Cycle, outputDivisionStart od: UnsafeBufferPointer<Cycle>) -> Bool {
        let popped = issue(at: t, outputDivisionStart: od)
        var acted = popped >= 0 || lastGateBlock == t
        if popped >= 0 && lanes[popped].blockedSince >= 0 {
            let s = popped
            let since = lanes[s].blockedSince
            lanes[s].blockedSince = -1
            if t < since {
                // Popped before the read the full queue would have stalled: no stall after all.
                schedule(s, at: lanes[s].nextRead)
            } else {
                // The pop freed a slot of a stalled selector: it reads its selected key in this cycle.
                lanes[s].blockedCycles &+= t &- since
                if recording { recordStallEnd(s, since: since, at: t) }
                lanes[s].base = t &- position(s, lanes[s].cursor)
                push(selector: s, at: t)
                if lanes[s].nextRead < KeyBank.never { scheduleNextRead(s) }
            }
        }
        // The lanes reading a selected key now: each has room and pushes it.
        let bucket = Int(truncatingIfNeeded: t) & calendarMask
        var lane = calendar[bucket]
        if lane >= 0 {
            calendar[bucket] = -1
            acted = true
            repeat {
                let s = Int(lane)
                lane = lanes[s].link
                scheduled &-= 1
                // A scheduled lane had room when scheduled and only a pop has touched its queue since.
                if lanes[s].count >= queueDepth { scheduledFull(s, at: t) }
                push(selector: s, at: t)
                if lanes[s].nextRead < KeyBank.never { scheduleNextRead(s) }
            } while lane >= 0
        }
        clock = t &+ 1
        return acted
    }

    /// Step 2: pops one visible entry of the current query (longest-queue-first or round-robin).
    /// Returns the selector whose queue was popped, or −1.
    @inline(__always)
    private func issue(at t: Cycle, outputDivisionStart od: UnsafeBufferPointer<Cycle>) -> Int {
        catchUpVisibility(at: t)
        guard candidates > 0 else { return -1 }
        let a = current
        var chosen = 0
        if roundRobin {
            var s = roundRobinLast
            for _ in 0 ..< selectors {
                s &+= 1
                if s == selectors { s = 0 }
                if score(s) > 0 { chosen = s; break }
            }
        } else {
            // The first lane with the most visible entries among the candidates (ties: lowest index):
            // the largest key, by a tree of maxima eight lanes at a time (a short dependency chain, where
            // a running maximum would be a chain of Pc steps on every simulated cycle).
            let k = arbiterKeys
            var best = max(max(max(k[0], k[1]), max(k[2], k[3])), max(max(k[4], k[5]), max(k[6], k[7])))
            var base = 8
            while base < arbiterLanes {
                let b = k + base
                best = max(best, max(max(max(b[0], b[1]), max(b[2], b[3])), max(max(b[4], b[5]), max(b[6], b[7]))))
                base &+= 8
            }
            chosen = 1023 &- Int(best & 1023)
        }
        let gateQuery = a &- accumulators
        if gateQuery >= 0 && od[gateQuery] >= t {
            attentionBlocked &+= 1
            lastGateBlock = t
            if recording { recordAttention(.blocked, query: a, at: t) }
            return -1
        }
        // Pop the head entry of the chosen lane: a visible entry of the current query.
        let s = chosen
        lanes[s].occupancyOffset &+= t
        lanes[s].count &-= 1
        let visible = lanes[s].visible &- 1
        lanes[s].visible = visible
        let own = lanes[s].own &- 1
        lanes[s].own = own
        let score = own > 0 ? visible : 0
        candidates &-= score == 0 ? 1 : 0
        setScore(s, score)
        if recording { recordQueueLevel(s, at: t) }
        roundRobinLast = s
        pending[a] &-= 1
        lastIssue[a] = t
        attentionBusy &+= 1
        lastIssueCycle = t
        if recording { recordAttention(.busy, query: a, at: t) }
        return s
    }

    /// Step 3 for a selector whose next key is selected and whose queue has room.
    @inline(__always)
    private func push(selector s: Int, at t: Cycle) {
        if flightCount == flightCapacity { growFlight() }
        let slot = (flightHead &+ flightCount) & (flightCapacity &- 1)
        flightVisible[slot] = t &+ depth
        flightLane[slot] = Int32(truncatingIfNeeded: s)
        flightCount &+= 1
        lanes[s].occupancyOffset &-= t
        let count = lanes[s].count &+ 1
        lanes[s].count = count
        lanes[s].occupancyMax = max(lanes[s].occupancyMax, count)
        // Rule 1 keeps the read query at `current` or `current + 1`; a push changes no score (the
        // new entry is not visible yet, and an empty lane's head becomes it only when it is).
        if readQuery == current { lanes[s].own &+= 1 } else { lanes[s].next &+= 1 }
        if recording { recordQueueLevel(s, at: t) }
        pending[readQuery] &+= 1
        lastRead[readQuery] = max(lastRead[readQuery], t)
        let cursor = lanes[s].cursor &+ 1
        lanes[s].cursor = cursor
        if cursor == lanes[s].selectedCount {
            lanes[s].nextRead = KeyBank.never
            selectorsWithWork &-= 1
            finishList(s)
        } else {
            lanes[s].nextRead = lanes[s].base &+ position(s, cursor)
        }
    }

    // Out of line: the hot loop's rare paths (timelines, a broken invariant) stay out of its frame.

    @inline(never)
    private func recordStallEnd(_ s: Int, since: Cycle, at t: Cycle) {
        recorder!.selectorReads(s, query: readQuery, from: readsSince[s], to: since)
        recorder!.selectorStalled(s, query: readQuery, from: since, to: t)
        readsSince[s] = t
    }

    @inline(never)
    private func recordAttention(_ state: IntervalState, query a: Int, at t: Cycle) {
        recorder!.attention(state, query: a, from: t, to: t + 1)
    }

    @inline(never)
    private func recordQueueLevel(_ s: Int, at t: Cycle) {
        recorder!.queueLevel(s, level: Int(lanes[s].count), at: t)
    }

    @inline(never)
    private func scheduledFull(_ s: Int, at t: Cycle) -> Never {
        preconditionFailure("bank \(bank): selector \(s) scheduled with a full queue at cycle \(t)")
    }

    /// Doubles the in-flight FIFO, unrolling it to start at slot 0 (at most `Pc·D` entries are ever
    /// in flight, so this happens a few times per bank at most).
    private func growFlight() {
        let newCapacity = flightCapacity * 2
        let newVisible = UnsafeMutablePointer<Cycle>.filled(0, count: newCapacity)
        let newLane = UnsafeMutablePointer<Int32>.filled(0, count: newCapacity)
        for k in 0 ..< flightCount {
            let slot = (flightHead + k) & (flightCapacity - 1)
            newVisible[k] = flightVisible[slot]
            newLane[k] = flightLane[slot]
        }
        flightVisible.deallocate()
        flightLane.deallocate()
        flightVisible = newVisible
        flightLane = newLane
        flightCapacity = newCapacity
        flightHead = 0
    }

    /// Closes the queue statistics at the end of the invocation: each queue's slot-cycles over
    /// `[P, total)` (the entries still reserved, none in a finished invocation, count up to `total`).
    func finish(at total: Cycle) {
        for s in 0 ..< selectors {
            lanes[s].occupancyOffset += Int64(lanes[s].count) * total
            lanes[s].count = 0
        }
    }
}

extension UnsafeMutablePointer {
    /// A new buffer of `count` copies of `value` (the owner deallocates it).
    static func filled(_ value: Pointee, count: Int) -> UnsafeMutablePointer<Pointee> {
        let p = UnsafeMutablePointer<Pointee>.allocate(capacity: Swift.max(count, 1))
        p.initialize(repeating: value, count: Swift.max(count, 1))
        return p
    }
}

// MARK: - Steady-state fast-forward (docs/model.md §10)

extension KeyBank {
    /// `x − origin`, or `Int64.min` for a sentinel (a time that is not set), so that two states compare
    /// equal exactly when they are the same up to a shift of time.
    @inline(__always)
    private static func relative(_ x: Cycle, to origin: Cycle, unset: Bool) -> Int64 {
        unset ? Int64.min : x &- origin
    }

    /// Whether the bank can be fast-forwarded at a query start: no timeline recorder, and no selector
    /// with a read left (always so once the bank is ready for the next query).
    var canFastForward: Bool { !recording && scheduled == 0 && selectorsWithWork == 0 }

    /// Appends every part of the bank's state that can influence its future, with times relative to
    /// `origin` (`S_i`) and query indices relative to `query` (`i`); `firstUnderived` is the first query
    /// whose output division start the pipeline has not derived yet (its partial results are still read).
    /// The pure accumulators (busy, blocked and slot-cycle sums, the maximum occupancy) and the fields no
    /// rule reads (`lastGateBlock`, the calendar's link order) are left out (docs/model.md §10).
    func appendRelativeState(to out: inout ContiguousArray<Int64>, origin: Cycle, query i: Int, firstUnderived: Int) {
        out.append(clock &- origin)
        out.append(Int64(current &- i))
        out.append(Int64(readQuery &- i))
        out.append(Int64(candidates))
        out.append(Int64(scheduled))
        out.append(Int64(selectorsWithWork))
        out.append(Int64(roundRobinLast))
        out.append(readsDoneAt &- origin)
        out.append(KeyBank.relative(lastIssueCycle, to: origin, unset: lastIssueCycle < 0))
        out.append(Int64(flightCount))
        let mask = flightCapacity &- 1
        for k in 0 ..< flightCount {
            let slot = (flightHead &+ k) & mask
            out.append(flightVisible[slot] &- origin)
            out.append(Int64(flightLane[slot]))
        }
        for s in 0 ..< selectors {
            let l = lanes[s]
            out.append(Int64(l.count) << 32 | Int64(UInt32(bitPattern: l.visible)))
            out.append(Int64(l.own) << 32 | Int64(UInt32(bitPattern: l.next)))
            out.append(Int64(score(s)) << 32 | Int64(UInt32(bitPattern: l.cursor)))
            out.append(Int64(l.selectedCount) << 32 | Int64(UInt32(bitPattern: l.listLength)))
            out.append(Int64(l.binned))
            out.append(KeyBank.relative(l.nextRead, to: origin, unset: l.nextRead >= KeyBank.never))
            out.append(KeyBank.relative(l.blockedSince, to: origin, unset: l.blockedSince < 0))
            out.append(l.base &- origin)
            out.append(KeyBank.relative(l.lastRead, to: origin, unset: l.lastRead < 0))
        }
        // The live queries' records (current … readQuery), then the partial results still to be read.
        if current <= readQuery {
            for q in current ... readQuery {
                out.append(lastRead[q] &- origin)
                out.append(Int64(pending[q]))
                out.append(KeyBank.relative(lastIssue[q], to: origin, unset: lastIssue[q] <= -KeyBank.never))
                out.append(KeyBank.relative(leftAt[q], to: origin, unset: leftAt[q] < 0))
                out.append(KeyBank.relative(partialAvailable[q], to: origin, unset: partialAvailable[q] < 0))
            }
        }
        if firstUnderived < current {
            for q in firstUnderived ..< current {
                out.append(KeyBank.relative(partialAvailable[q], to: origin, unset: partialAvailable[q] < 0))
            }
        }
    }

    /// Number of values `appendTotals` appends.
    var totalsCount: Int { 3 * selectors + 2 }

    /// Appends the pure accumulators: outputs that no rule reads, so a repeated period adds the same
    /// amount to each (docs/model.md §10).
    func appendTotals(to out: inout ContiguousArray<Int64>) {
        for s in 0 ..< selectors {
            out.append(lanes[s].busyCycles)
            out.append(lanes[s].blockedCycles)
            out.append(lanes[s].occupancyOffset)
        }
        out.append(attentionBusy)
        out.append(attentionBlocked)
    }

    /// Moves the bank from query start `S_i` (query `i`) to `S_{i+m} = S_i + m·Δ`, given that its state
    /// at `S_i` equals its state at `S_{i−1}` shifted by one query and `Δ` cycles: every time moves by
    /// `m·Δ`, every query index by `m`, the records of the queries finished in the skipped periods are
    /// those of the last finished one shifted by whole periods, and each accumulator grows by `m` times
    /// its increase over the last period (`previous`/`latest` are the totals at `S_{i−1}` and `S_i`
    /// from `offset` on).
    func fastForward(queries m: Int, period: Cycle, query i: Int, previous: ContiguousArray<Int64>,
                     latest: ContiguousArray<Int64>, offset: Int) {
        let shift = Cycle(m) &* period
        let c = current, r = readQuery
        // Live records (current … readQuery) move up by m queries (copied before the fill overwrites them).
        if c <= r {
            for q in stride(from: r, through: c, by: -1) {
                lastRead[q &+ m] = lastRead[q] &+ shift
                pending[q &+ m] = pending[q]
                lastIssue[q &+ m] = lastIssue[q] <= -KeyBank.never ? lastIssue[q] : lastIssue[q] &+ shift
                leftAt[q &+ m] = leftAt[q] < 0 ? leftAt[q] : leftAt[q] &+ shift
                partialAvailable[q &+ m] = partialAvailable[q] < 0 ? partialAvailable[q] : partialAvailable[q] &+ shift
            }
        }
        // The queries finished in the skipped periods: the one finished in the last period, shifted.
        for k in 0 ..< m {
            let step = Cycle(k &+ 1) &* period
            let q = c &+ k
            pending[q] = pending[c &- 1]
            lastIssue[q] = lastIssue[c &- 1] <= -KeyBank.never ? lastIssue[c &- 1] : lastIssue[c &- 1] &+ step
            leftAt[q] = leftAt[c &- 1] < 0 ? leftAt[c &- 1] : leftAt[c &- 1] &+ step
            partialAvailable[q] = partialAvailable[c &- 1] < 0 ? partialAvailable[c &- 1] : partialAvailable[c &- 1] &+ step
            // Query `i − 1` is the last one read: its record is the one the reads of query `i − 1 + k + 1` repeat.
            lastRead[i &+ k] = lastRead[i &- 1] &+ step
        }
        current = c &+ m
        readQuery = r &+ m
        clock &+= shift
        readsDoneAt &+= shift
        if lastIssueCycle >= 0 { lastIssueCycle &+= shift }
        let mask = flightCapacity &- 1
        for k in 0 ..< flightCount { flightVisible[(flightHead &+ k) & mask] &+= shift }
        let times = Int64(m)
        var o = offset
        for s in 0 ..< selectors {
            if lanes[s].nextRead < KeyBank.never { lanes[s].nextRead &+= shift }
            if lanes[s].blockedSince >= 0 { lanes[s].blockedSince &+= shift }
            lanes[s].base &+= shift
            if lanes[s].lastRead >= 0 { lanes[s].lastRead &+= shift }
            lanes[s].busyCycles &+= times &* (latest[o] &- previous[o])
            lanes[s].blockedCycles &+= times &* (latest[o &+ 1] &- previous[o &+ 1])
            lanes[s].occupancyOffset &+= times &* (latest[o &+ 2] &- previous[o &+ 2])
            o &+= 3
        }
        attentionBusy &+= times &* (latest[o] &- previous[o])
        attentionBlocked &+= times &* (latest[o &+ 1] &- previous[o &+ 1])
    }
}
