import SimCore

/// One key bank of ELSA's parallel pipeline (ELSA §IV-C, "parallel pipeline"; `docs/model.md` §4): the
/// bank's `Pc` candidate selectors with their output queues (`Q` slots each), the arbiter, and the
/// attention computation module that consumes one selected key per cycle.
///
/// The bank is a component with its own clock: the pipeline asks it to advance, and it applies the
/// rules of `docs/model.md` (steps 2 and 3 of a cycle) at every cycle in which something can change,
/// jumping over the others (a selector reading unselected keys advances one key per cycle by
/// arithmetic). Between two query starts a bank depends on no other bank (the barrier of step 1 and the
/// accumulator gate only look at finished queries), which lets the pipeline advance banks one at a time.
///
/// The state is lane vectors (`docs/architecture.md`): every per-selector quantity is one `Int32` lane of
/// `SIMD8` chunks (`Pc` rounded up to a multiple of 8; the padding lanes never hold work), and a cycle is
/// the same few vector operations whatever happens in it — the arbiter's choice is a vector maximum and
/// a masked pop, the selectors' reads a vector comparison and a masked push — so the loop has almost no
/// data-dependent branch (which module acts changes from cycle to cycle, so such branches mispredict).
/// Comparisons and selections are sign-bit arithmetic (`LaneMath`), a few vector instructions where the
/// standard library's `SIMDMask` goes lane by lane through memory, and the loop keeps the first chunk
/// (every lane when `Pc ≤ 8`) in a local. A queue is counts alone: one selector pushes its entries in cycle order and each becomes visible exactly `D`
/// cycles after its push, so the visible entries are a prefix of the queue, and the entries of the
/// current query precede those of the next (a bank holds entries of at most two queries: rule 1 starts
/// query `i + 1` only once every module has left query `i − 1`). The pushes still in the selector
/// pipelines are a ring of per-cycle lane vectors (1 where a selector pushed). A selector's list of
/// selected keys is kept as a mask of the positions left to read (lists of at most 30 keys; the next read
/// is the lowest position left plus the list's stall cycles so far) or as gaps between consecutive list
/// positions (the next read is the push's cycle plus the gap).
///
/// Stored properties opt out of dynamic exclusivity checks: the bank is only ever used by one thread and
/// its methods never overlap accesses.
final class KeyBank {
    typealias Lanes = SIMD8<Int32>

    let bank: Int
    /// Queries of the invocation (= keys unless tiled, `docs/model.md` §9).
    let queries: Int
    let selectors: Int
    let queueDepth: Int32
    let depth: Cycle
    let attentionLatency: Cycle
    let accumulators: Int
    let roundRobin: Bool
    /// `pipeline.query_overlap = barrier`: the next query waits until this module has left the current one.
    let barrier: Bool

    /// `ceil(Pc / 8)`: the lane chunks.
    private let chunks: Int
    /// Per-lane state, one `SIMD8` per chunk each (`LaneState`).
    private let lane: LaneState
    /// Lane `s`'s tie-break tag `1023 − s` (longest-queue-first is the largest `score << 10 | tag`; `Pc ≤ 1024`).
    private let tags: UnsafeMutablePointer<Lanes>

    /// Pushes still in the selector pipelines: for push cycle `p`, 1 in the lanes that pushed and 0
    /// elsewhere, one vector per chunk at `((p & ringMask) · chunks + c)`; a push of cycle `p` becomes
    /// visible at `p + D`, when the slot is added to the visible counts as it is.
    private let ring: UnsafeMutablePointer<Lanes>
    /// `R − 1`, `R` a power of two above `D` (a slot is applied before it is reused).
    private let ringMask: Int
    /// The last push cycle whose entries have been made visible.
    @exclusivity(unchecked) private var visibleThrough: Cycle

    /// The pipeline's selection bins (kept alive here) and this bank's lanes in them: the gaps between
    /// consecutive list positions of each selector's selected keys (`gapStride` per lane; the bank adds
    /// the one after the last, to the end of the list, when the query starts), the binned counts and the
    /// last binned positions.
    private let bins: SelectionBins
    private let gaps: UnsafeMutablePointer<Int32>
    private let gapStride: Int
    private let binned: UnsafeMutablePointer<Int32>
    private let lastPosition: UnsafeMutablePointer<Int32>
    private let exact: Bool
    /// The lists are masks of selected positions (`SelectionBins.masked`): a selector's next read is the
    /// lowest bit left in its `HotLanes.remaining`, found by vector arithmetic instead of a gather of gaps.
    private let masked: Bool
    /// This bank's lanes' masks in the bins.
    private let masks: UnsafeMutablePointer<Int32>

    /// Cycles accumulated into the Int32 run sums (`HotLanes.blockedRun`, `slotRun`) since they were last
    /// folded into the Int64 totals, and the most allowed before the next fold.
    @exclusivity(unchecked) private var runCycles = 0
    private let runLimit: Int

    /// Start of the query being read (`S` of `readQuery`): lane read times are relative to it.
    @exclusivity(unchecked) private var readStart: Cycle = 0
    /// Selected keys of the read query this bank's selectors have still to read.
    @exclusivity(unchecked) private var keysToRead = 0
    /// First cycle at which every selector has read its whole list (valid when `keysToRead == 0`).
    @exclusivity(unchecked) private var readsDoneAt: Cycle = 0
    @exclusivity(unchecked) private var readQuery = -1
    /// Entries of `current` and of `current + 1` in this bank's queues.
    @exclusivity(unchecked) private var ownTotal = 0
    @exclusivity(unchecked) private var nextTotal = 0

    // Attention computation module.
    /// Current query `a_b`.
    @exclusivity(unchecked) private(set) var current = 0
    @exclusivity(unchecked) private var roundRobinLast: Int
    @exclusivity(unchecked) private(set) var attentionBusy: Cycle = 0
    @exclusivity(unchecked) private(set) var attentionBlocked: Cycle = 0
    /// Last issue cycle, or −1.
    @exclusivity(unchecked) private var lastIssueCycle: Cycle = -1
    var attentionLastBusy: Cycle? { lastIssueCycle >= 0 ? lastIssueCycle : nil }

    // Per-query records (index = query).
    /// Last cycle a selector of this bank read a key of the query (`S_a − 1` if none), set once read.
    private let lastRead: UnsafeMutablePointer<Cycle>
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
    /// A lane read time no cycle reaches.
    private static let noRead = Int32.max / 2

    /// Whether a drain may be taken in closed form (`drainInClosedForm`; the switch tests compare both ways).
    let closedFormDrains: Bool
    /// Cycles the closed-form drains covered (for tests).
    @exclusivity(unchecked) private(set) var drainedCycles = 0

    init(bank: Int, parameters: TimingParameters, queries: Int, start: Cycle, bins: SelectionBins, closedFormDrains: Bool = true) {
        self.bank = bank
        self.queries = queries
        selectors = parameters.selectorsPerModule
        queueDepth = Int32(clamping: parameters.queueDepth)
        depth = parameters.selectorDepth
        attentionLatency = parameters.attentionLatency
        accumulators = parameters.accumulators
        roundRobin = parameters.arbiter == .roundRobin
        self.closedFormDrains = closedFormDrains && parameters.arbiter == .longestQueueFirst && parameters.selectorsPerModule <= 8
        barrier = parameters.queryOverlap == .barrier
        exact = parameters.exact
        let pc = selectors
        chunks = (pc + 7) / 8
        lane = LaneState(chunks: chunks)
        tags = .filled(Lanes(), count: chunks)
        for s in 0 ..< chunks * 8 { tags[s / 8][s % 8] = Int32(1023 - s) }
        var ringSize = 1
        while ringSize <= Int(depth) { ringSize *= 2 }
        ring = .filled(Lanes(), count: ringSize * chunks)
        ringMask = ringSize - 1
        visibleThrough = start - 1
        self.bins = bins
        gapStride = bins.gapStride
        gaps = bins.gaps + bank * bins.lanesPerBank * gapStride
        binned = bins.count + bank * bins.lanesPerBank
        lastPosition = bins.lastPosition + bank * bins.lanesPerBank
        masked = bins.masked
        masks = bins.masks + bank * bins.lanesPerBank
        // A lane holds entries of two lists at most, so its count stays below 2·gapStride. Every 4096
        // cycles at most (a fold costs a few adds per lane), so the folding is exercised by ordinary heads.
        runLimit = min(4096, Int(Int32.max) / (min(Int(queueDepth), 2 * gapStride) + 2))
        roundRobinLast = pc - 1
        lastRead = .filled(0, count: queries)
        lastIssue = .filled(-KeyBank.never, count: queries)
        leftAt = ContiguousArray(repeating: -1, count: queries)
        partialAvailable = ContiguousArray(repeating: -1, count: queries)
        clock = start
        readsDoneAt = start
    }

    deinit {
        lane.deallocate()
        tags.deallocate()
        ring.deallocate()
        lastRead.deallocate()
        lastIssue.deallocate()
    }

    /// Starts recording intervals for timelines (before the first query).
    func startRecording() {
        recorder = BankRecorder(bank: bank, selectors: selectors)
        recording = true
        readsSince = Array(repeating: clock, count: selectors)
    }

    /// Commits the recorder's held-back samples (call once the simulation is over).
    func flushRecording() {
        recorder?.flush()
    }

    /// Reserved-slot statistics of each selector queue (closed by `finish(at:)`).
    var occupancy: [OccupancyStats] {
        foldRuns()
        return (0 ..< selectors).map { OccupancyStats(maximum: Int(lane.hot[$0 >> 3].occupancyMax[$0 & 7]), cycleSum: lane.slotCycles[$0]) }
    }
    var selectorBusy: [Cycle] { (0 ..< selectors).map { lane.busy[$0] } }
    var selectorBlocked: [Cycle] {
        foldRuns()
        return (0 ..< selectors).map { lane.blocked[$0] }
    }
    var selectorLastBusy: [Cycle?] {
        (0 ..< selectors).map { s in
            let last = lastReadOfLane(s)
            return last >= 0 ? last : nil
        }
    }

    /// Lane `s`'s last read cycle, or −1: the read query's list when it is read (its final next read is
    /// one past it), else the one folded in at the last query start.
    private func lastReadOfLane(_ s: Int) -> Cycle {
        let h = lane.hot[s >> 3], j = s & 7
        if readQuery >= 0 && h.cursor[j] == h.selected[j] && lane.length[s >> 3][j] > 0 {
            return readStart + Cycle(h.nextRead[j]) - 1
        }
        return lane.lastRead[s]
    }

    /// The binned selected-key counts of chunk `c`'s lanes.
    private func binnedCounts(chunk c: Int) -> Lanes {
        UnsafeRawPointer(binned + c &* 8).loadUnaligned(as: Lanes.self)
    }

    /// Step 1 as seen by this bank: query `query` starts at `start` (= `clock`). `bankKeys` is the
    /// number of keys of this bank the query sees; `everySelected` says every one is a candidate
    /// (otherwise the query's selected keys are in the pipeline's `SelectionBins`).
    func startQuery(_ query: Int, at start: Cycle, bankKeys u: Int, everySelected: Bool) {
        precondition(start == clock, "bank \(bank): query \(query) starts at \(start) but the bank is at \(clock)")
        precondition(keysToRead == 0 && readsDoneAt <= start,
                     "bank \(bank): query \(query) starts before query \(readQuery) was read")
        // The queues hold entries of `current` and `current + 1` only (see the type's comment).
        precondition(current >= query - 1, "bank \(bank): query \(query) starts while the module is at query \(current)")
        foldLastReads()
        readQuery = query
        readStart = start
        // Lane s reads keys s, s + Pc, …: ⌈(u − s)/Pc⌉ of them, which is ⌊u/Pc⌋ plus one for s < u mod Pc
        // (one division per query instead of one per lane); padding lanes (s ≥ Pc) read none.
        let (whole, extra) = u.quotientAndRemainder(dividingBy: selectors)
        let laneIndex = Lanes(0, 1, 2, 3, 4, 5, 6, 7)
        var toRead = 0
        for c in 0 ..< chunks {
            let index = laneIndex &+ Int32(truncatingIfNeeded: c &* 8)
            let real = LaneMath.less(index, Lanes(repeating: Int32(truncatingIfNeeded: selectors)))
            let length = (Lanes(repeating: Int32(truncatingIfNeeded: whole))
                &- LaneMath.less(index, Lanes(repeating: Int32(truncatingIfNeeded: extra)))) & real
            let selected = everySelected ? length : binnedCounts(chunk: c)
            lane.length[c] = length
            lane.hot[c].selected = selected
            lane.hot[c].cursor = Lanes()
            var first = Lanes()
            if masked {
                // The selected positions and the end of the list (bit `length`), whose position the
                // read after the last selected key waits for, as the gap after it does.
                let list = everySelected ? (Lanes(repeating: 1) &<< length) &- 1
                    : UnsafeRawPointer(masks + c &* 8).loadUnaligned(as: Lanes.self)
                let remaining = list | (Lanes(repeating: 1) &<< length)
                lane.hot[c].remaining = remaining
                lane.hot[c].delay = Lanes()
                first = LaneMath.lowestBitPosition(remaining)
                for j in 0 ..< 8 { lane.busy[c &* 8 &+ j] &+= Cycle(length[j]) }
            } else {
                for j in 0 ..< 8 {
                    let s = c &* 8 &+ j
                    lane.busy[s] &+= Cycle(length[j])
                    // The gap after the last selected key reaches the end of the list (in exact mode the
                    // gaps are 0, 1, 1, … for every list, set once).
                    if !exact { gaps[s &* gapStride &+ Int(selected[j])] = length[j] &- lastPosition[s] }
                    first[j] = gaps[s &* gapStride]
                }
            }
            lane.hot[c].nextRead = first
            toRead &+= Int(selected.wrappedSum())
        }
        if recording {
            for s in 0 ..< selectors {
                readsSince[s] = start
                if lane.hot[s >> 3].selected[s & 7] == 0 { recordListEnd(s) }
            }
        }
        keysToRead = toRead
        if toRead == 0 { readsFinished() }
    }

    /// Every selector has read its list: `readsDoneAt` is one past the last read (each lane's next read
    /// is one past its own last read; `S` when the bank sees no key).
    private func readsFinished() {
        var latest = Lanes()
        for c in 0 ..< chunks { latest = LaneMath.maximum(latest, lane.hot[c].nextRead) }
        readsDoneAt = readStart &+ Cycle(latest.max())
        lastRead[readQuery] = readsDoneAt &- 1
    }

    /// Keeps each lane's last read of the finished list before a new list replaces it.
    private func foldLastReads() {
        guard readQuery >= 0 else { return }
        for c in 0 ..< chunks {
            let length = lane.length[c], nextRead = lane.hot[c].nextRead
            for j in 0 ..< 8 where length[j] > 0 { lane.lastRead[c &* 8 &+ j] = readStart &+ Cycle(nextRead[j]) &- 1 }
        }
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

    /// The cycle loop. Chunk 0 of the hot lanes (every lane when `Pc ≤ 8`) lives in the local `h0` while
    /// cycles are simulated, and is written back before anything else reads the lanes.
    private func advance(limit: Cycle, mode: StopMode, outputDivisionStart od: UnsafeBufferPointer<Cycle>) {
        // Two copies of the loop: one for one chunk (Pc ≤ 8) and masked lists, where every loop over the
        // other chunks and the gather of gaps disappear (mixed in one loop, the gather's lane-by-lane
        // indices also made the compiler split the push's vectors into halves), one for the rest.
        if chunks == 1 && masked {
            simulate(limit: limit, mode: mode, outputDivisionStart: od, chunks: 1, masked: true)
        } else {
            simulate(limit: limit, mode: mode, outputDivisionStart: od, chunks: chunks, masked: masked)
        }
    }

    /// `advance` with the chunk count as a parameter (a constant in the one-chunk copy).
    @inline(__always)
    private func simulate(limit: Cycle, mode: StopMode, outputDivisionStart od: UnsafeBufferPointer<Cycle>, chunks: Int, masked: Bool) {
        var h0 = HotLanes(at: lane.hot)
        defer { h0.store(to: lane.hot) }
        while true {
            let t = clock
            if ownTotal == 0 { leave(at: t, &h0) }
            switch mode {
            case .ready:
                // Every selector done, every read past and the module past the query (or its
                // predecessor): one test of an OR of non-negative shortfalls.
                let shortfall = Cycle(keysToRead) | max(0, readsDoneAt &- t)
                    | Cycle(max(0, readQuery &+ (barrier ? 1 : 0) &- current))
                if shortfall == 0 { return }
            case .drained: if current >= queries { return }
            case .limit:
                if t >= limit { return }
                if keysToRead == 0 && ownTotal > 0 && closedFormDrains && !recording {
                    catchUpVisibility(at: t, &h0, chunks: chunks)
                    if drainInClosedForm(from: t, until: limit, outputDivisionStart: od, &h0) { continue }
                }
            }
            catchUpVisibility(at: t, &h0, chunks: chunks)
            let issued = issue(at: t, outputDivisionStart: od, &h0, chunks: chunks)
            let pushed = keysToRead > 0 ? read(at: t, &h0, chunks: chunks, masked: masked) : false
            if issued || pushed {
                h0.slotRun &+= h0.count
                for c in 1 ..< chunks { lane.hot[c].slotRun &+= lane.hot[c].count }
                runCycles &+= 1
                clock = t &+ 1
                if runCycles >= runLimit {
                    h0.store(to: lane.hot)
                    foldRuns()
                    h0 = HotLanes(at: lane.hot)
                }
                continue
            }
            // Nothing acted in cycle t: the next cycle at which something can.
            h0.store(to: lane.hot)
            var next = min(nextVisibility(after: t), nextRead(after: t))
            if let leaveAt = leaveTime(at: t &+ 1) { next = min(next, leaveAt) }
            switch mode {
            // Under the barrier the wait ends with a leave, which `leaveTime` already schedules.
            case .ready: if keysToRead == 0 && !barrier { next = min(next, max(t &+ 1, readsDoneAt)) }
            case .limit: next = min(next, limit)
            case .drained: break
            }
            precondition(next < KeyBank.never, "bank \(bank): no event left after cycle \(t) (query \(current))")
            accumulateSlots(cycles: next &- t)
            h0 = HotLanes(at: lane.hot)
            clock = next
        }
    }

    /// A drain in closed form (`docs/model.md` §11): from cycle `t` to `limit` no selector reads
    /// (the bank is ready and waits for the next query start), and when, as well, every entry is visible and
    /// of the current query, nothing but the module acts — blocked while the accumulator gate is closed,
    /// then one pop per cycle under longest-queue-first until the queues are empty or `limit` comes. The
    /// pops then go level by level from the longest queue down, lanes in index order within a level, so the
    /// counts, each lane's slot-cycles and the module's busy and blocked cycles follow without visiting the
    /// cycles. Returns false (changing nothing) when the state is not such a drain. One chunk (`Pc ≤ 8`),
    /// longest-queue-first, no recorder.
    private func drainInClosedForm(from t: Cycle, until limit: Cycle, outputDivisionStart od: UnsafeBufferPointer<Cycle>,
                                   _ h0: inout HotLanes) -> Bool {
        let counts = h0.count
        guard readQuery == current, counts == h0.visible, counts == h0.own else { return false }
        let a = current
        let gateQuery = a &- accumulators
        let closedUntil = gateQuery >= 0 ? od[gateQuery] : Cycle.min
        // Blocked cycles t … min(closedUntil, limit − 1): a candidate waits (there are entries), nothing moves.
        let blocked = closedUntil >= t ? min(closedUntil, limit &- 1) &- t &+ 1 : 0
        let first = t &+ blocked
        let pops = Int(min(Cycle(ownTotal), limit &- first))
        // Slot-cycles: each blocked cycle adds the counts; pop step j (1 … pops) leaves lane s at its count
        // minus its pops so far, so lane s adds pops · c_s minus (pops − j + 1) for each of its pops.
        var slots = SIMD8<Int64>(truncatingIfNeeded: counts) &* Int64(blocked)
        slots &+= SIMD8<Int64>(truncatingIfNeeded: counts) &* Int64(pops)
        var left = counts
        var step = 0
        var level = counts.max()
        popping: while level > 0 {
            for s in 0 ..< 8 where counts[s] >= level {
                if step == pops { break popping }
                step &+= 1
                left[s] &-= 1
                slots[s] &-= Int64(pops &- step &+ 1)
            }
            level &-= 1
        }
        for s in 0 ..< 8 { lane.slotCycles[s] &+= slots[s] }
        h0.count = left
        h0.visible = left
        h0.own = left
        ownTotal &-= pops
        attentionBusy &+= Cycle(pops)
        attentionBlocked &+= blocked
        if pops > 0 {
            lastIssue[a] = first &+ Cycle(pops) &- 1
            lastIssueCycle = lastIssue[a]
        }
        clock = first &+ Cycle(pops)
        drainedCycles &+= Int(clock &- t)
        return true
    }

    /// Every queue's slot-cycles grow by its reserved slots for each of `cycles` cycles (the counts of the
    /// end of the last simulated cycle, which hold until the next one), for a jump (a simulated cycle adds
    /// its counts to the Int32 run sums in the loop).
    private func accumulateSlots(cycles: Cycle) {
        if cycles < Cycle(runLimit &- runCycles) {
            // Within the run sums' bound: one multiply-add per chunk.
            let times = Lanes(repeating: Int32(truncatingIfNeeded: cycles))
            for c in 0 ..< chunks { lane.hot[c].slotRun &+= lane.hot[c].count &* times }
            runCycles &+= Int(cycles)
            return
        }
        foldRuns()
        for c in 0 ..< chunks {
            let count = lane.hot[c].count
            for j in 0 ..< 8 { lane.slotCycles[c &* 8 &+ j] &+= Cycle(count[j]) &* cycles }
        }
    }

    /// Moves the Int32 run sums (stall cycles and slot-cycles since the last fold) into the Int64 totals:
    /// before the totals are read, and before `runCycles` (cycles accumulated since the last fold)
    /// reaches `runLimit`, so a slot-cycle sum stays below `runLimit` × (the largest count) and a stall
    /// sum below `runLimit` plus one stall (read times are below 2³⁰ cycles after the query's start).
    private func foldRuns() {
        precondition(keysToRead == 0 || clock &- readStart < Cycle(KeyBank.noRead),
                     "bank \(bank): query \(readQuery) is still read \(clock - readStart) cycles after its start (at most \(KeyBank.noRead))")
        for c in 0 ..< chunks {
            let blocked = lane.hot[c].blockedRun, slots = lane.hot[c].slotRun
            for j in 0 ..< 8 {
                lane.blocked[c &* 8 &+ j] &+= Cycle(blocked[j])
                lane.slotCycles[c &* 8 &+ j] &+= Cycle(slots[j])
            }
            lane.hot[c].blockedRun = Lanes()
            lane.hot[c].slotRun = Lanes()
        }
        runCycles = 0
    }

    /// The first cycle after `t` at which a push still in a selector pipeline becomes visible, or `never`.
    private func nextVisibility(after t: Cycle) -> Cycle {
        var p = visibleThrough &+ 1
        while p <= t {
            let slot = Int(truncatingIfNeeded: p) & ringMask &* chunks
            for c in 0 ..< chunks where ring[slot &+ c] != Lanes() { return max(p &+ depth, t &+ 1) }
            p &+= 1
        }
        return KeyBank.never
    }

    /// The earliest next read after `t` of a selector with a selected key left and room in its queue
    /// (a selector whose queue is full waits for a pop, which needs a visible entry), or `never`.
    private func nextRead(after t: Cycle) -> Cycle {
        guard keysToRead > 0 else { return KeyBank.never }
        var earliest = Lanes(repeating: KeyBank.noRead)
        let depthQ = Lanes(repeating: queueDepth)
        for c in 0 ..< chunks {
            let ready = LaneMath.less(lane.hot[c].cursor, lane.hot[c].selected) & LaneMath.less(lane.hot[c].count, depthQ)
            earliest = LaneMath.minimum(earliest, LaneMath.select(ready, lane.hot[c].nextRead, Lanes(repeating: KeyBank.noRead)))
        }
        let first = earliest.min()
        return first == KeyBank.noRead ? KeyBank.never : max(t &+ 1, readStart &+ Cycle(first))
    }

    /// When the module can leave its current query, if that is already determined.
    private func leaveTime(at t: Cycle) -> Cycle? {
        let a = current
        guard a <= readQuery, a < queries, ownTotal == 0 else { return nil }
        guard a < readQuery || keysToRead == 0 else { return nil }
        return max(t, lastRead[a] &+ depth)
    }

    /// The attention module leaves every finished query (`W` recurrence of `docs/model.md` step 2).
    private func leave(at t: Cycle, _ h0: inout HotLanes) {
        while current <= readQuery && current < queries {
            let a = current
            guard ownTotal == 0, a < readQuery || keysToRead == 0, t >= lastRead[a] &+ depth else { return }
            leftAt[a] = t
            partialAvailable[a] = max(t, lastIssue[a] &+ attentionLatency)
            current += 1
            // Query a has no entry left, so the next query's entries are now the current query's.
            h0.own = h0.next
            h0.next = Lanes()
            for c in 1 ..< chunks {
                lane.hot[c].own = lane.hot[c].next
                lane.hot[c].next = Lanes()
            }
            ownTotal = nextTotal
            nextTotal = 0
        }
    }

    /// Makes every push of a cycle `≤ t − D` visible.
    @inline(__always)
    private func catchUpVisibility(at t: Cycle, _ h0: inout HotLanes, chunks: Int) {
        let target = t &- depth
        if target &- visibleThrough > Cycle(ringMask) {
            // A jump longer than the ring: every push not yet visible is in it.
            for slot in 0 ... ringMask { applyRing(slot: slot, &h0, chunks: chunks) }
            visibleThrough = target
            return
        }
        while visibleThrough < target {
            visibleThrough &+= 1
            applyRing(slot: Int(truncatingIfNeeded: visibleThrough) & ringMask, &h0, chunks: chunks)
        }
    }

    /// The lanes that pushed in the ring's slot get one more visible entry each; the slot is cleared.
    @inline(__always)
    private func applyRing(slot: Int, _ h0: inout HotLanes, chunks: Int) {
        let row = ring + slot &* chunks
        h0.visible &+= row[0]
        row[0] = Lanes()
        for c in 1 ..< chunks {
            lane.hot[c].visible &+= row[c]
            row[c] = Lanes()
        }
    }

    /// Each lane's arbitration score: its visible count when its head is a visible entry of the current
    /// query (it has one of the current query's entries), else 0.
    @inline(__always)
    private static func scores(_ h: HotLanes) -> Lanes {
        h.visible & LaneMath.less(Lanes(), h.own)
    }

    /// Step 2: pops one visible entry of the current query (longest-queue-first or round-robin), or is
    /// blocked by the accumulator gate. Returns whether the module issued or was blocked. Branch-free
    /// in the common case: whether a lane is a candidate and whether the gate is open change from cycle
    /// to cycle, so the pop is applied under a mask instead.
    @inline(__always)
    private func issue(at t: Cycle, outputDivisionStart od: UnsafeBufferPointer<Cycle>, _ h0: inout HotLanes, chunks: Int) -> Bool {
        // The first lane with the most visible entries among the candidates (ties: lowest index): the
        // largest `score << 10 | tag`, one vector maximum per chunk.
        let keyed0 = KeyBank.scores(h0) &<< 10 | tags[0]
        var best = keyed0
        for c in 1 ..< chunks { best = LaneMath.maximum(best, KeyBank.scores(lane.hot[c]) &<< 10 | tags[c]) }
        let key = best.max()
        let candidate = key >= 1024
        let a = current
        let gateQuery = a &- accumulators
        let closed = gateQuery >= 0 && od[max(gateQuery, 0)] >= t
        let blocked = candidate && closed
        let issued = candidate && !closed
        attentionBlocked &+= blocked ? 1 : 0
        var tag = key & 1023
        // Pop the head entry of the chosen lane (a visible entry of the current query), in no lane when
        // nothing issues: under longest-queue-first the one lane whose `score << 10 | tag` is the maximum
        // (no other lane reaches it: the tags differ), under round-robin the lane whose tag is `tag`.
        let mask = Lanes(repeating: issued ? -1 : 0)
        if roundRobin {
            if issued {
                h0.store(to: lane.hot)
                tag = Int32(truncatingIfNeeded: 1023 &- roundRobinChoice())
            }
            let chosen = Lanes(repeating: tag)
            KeyBank.pop(&h0, LaneMath.equal(chosen, tags[0]) & mask)
            for c in 1 ..< chunks { KeyBank.pop(&lane.hot[c], LaneMath.equal(chosen, tags[c]) & mask) }
        } else {
            let maximum = Lanes(repeating: key)
            KeyBank.pop(&h0, mask & ~LaneMath.less(keyed0, maximum))
            for c in 1 ..< chunks {
                let keyed = KeyBank.scores(lane.hot[c]) &<< 10 | tags[c]
                KeyBank.pop(&lane.hot[c], mask & ~LaneMath.less(keyed, maximum))
            }
        }
        let s = 1023 &- Int(tag)
        ownTotal &-= issued ? 1 : 0
        attentionBusy &+= issued ? 1 : 0
        roundRobinLast = issued ? s : roundRobinLast
        lastIssue[a] = issued ? t : lastIssue[a]
        lastIssueCycle = issued ? t : lastIssueCycle
        if recording && candidate {
            h0.store(to: lane.hot)
            if issued { recordQueueLevel(s, at: t) }
            recordAttention(issued ? .busy : .blocked, query: a, at: t)
        }
        return candidate
    }

    /// Pops the head entry of the lanes where `chosen` is −1 (one lane at most).
    @inline(__always)
    private static func pop(_ h: inout HotLanes, _ chosen: Lanes) {
        h.count &+= chosen
        h.visible &+= chosen
        h.own &+= chosen
    }

    /// Round-robin: the first lane after the last grant with a positive score.
    private func roundRobinChoice() -> Int {
        var s = roundRobinLast
        for _ in 0 ..< selectors {
            s &+= 1
            if s == selectors { s = 0 }
            if KeyBank.scores(lane.hot[s >> 3])[s & 7] > 0 { return s }
        }
        preconditionFailure("bank \(bank): round-robin found no candidate")
    }

    /// Step 3: every selector whose next selected read is due and whose queue has room (after this
    /// cycle's pop) pushes the key; a due selector with a full queue stalls. Returns whether any pushed.
    @inline(__always)
    private func read(at t: Cycle, _ h0: inout HotLanes, chunks: Int, masked: Bool) -> Bool {
        let trs = Lanes(repeating: Int32(truncatingIfNeeded: min(t &- readStart, Cycle(KeyBank.noRead))))
        let ownPush = readQuery == current
        let slot = Int(truncatingIfNeeded: t) & ringMask &* chunks
        var pushes = push(chunk: 0, &h0, trs: trs, ownPush: ownPush, slot: slot, t: t, masked: masked)
        for c in 1 ..< chunks {
            pushes &+= push(chunk: c, &lane.hot[c], trs: trs, ownPush: ownPush, slot: slot, t: t, masked: masked)
        }
        // No branch on `pushes` either (read is only called while keys are left, so reaching 0 happens
        // once per query).
        if ownPush { ownTotal &+= pushes } else { nextTotal &+= pushes }
        keysToRead &-= pushes
        if keysToRead == 0 {
            h0.store(to: lane.hot)
            readsFinished()
        }
        return pushes > 0
    }

    /// Step 3 for the eight lanes of chunk `c`; returns how many pushed.
    @inline(__always)
    private func push(chunk c: Int, _ h: inout HotLanes, trs: Lanes, ownPush: Bool, slot: Int, t: Cycle, masked: Bool) -> Int {
        let due = h.nextRead
        let cursor = h.cursor
        // Due (read time ≤ t), a selected key left, and room after this cycle's pop: −1 lanes. The updates
        // below subtract it (+1 where a selector pushes) with no branch: whether a selector reads in a
        // cycle is data, and the masked update costs less than a mispredicted jump over it.
        let push = LaneMath.less(due, trs &+ 1) & LaneMath.less(cursor, h.selected) & LaneMath.less(h.count, Lanes(repeating: queueDepth))
        // A push later than its read time ends a stall of that many cycles.
        let stall = (trs &- due) & push
        h.blockedRun &+= stall
        let count = h.count &- push
        h.count = count
        h.occupancyMax = LaneMath.maximum(h.occupancyMax, count)
        if ownPush { h.own &-= push } else { h.next &-= push }
        let newCursor = cursor &- push
        h.cursor = newCursor
        if masked {
            // The next read is the lowest position left (the end of the list after the last key) plus the
            // list's stall cycles so far: `nextRead = lowestBitPosition(remaining) + delay` holds from the
            // query's start (no stall) on.
            let remaining = h.remaining
            let left = LaneMath.select(push, remaining & (remaining &- 1), remaining)
            h.remaining = left
            let delay = h.delay &+ stall
            h.delay = delay
            h.nextRead = LaneMath.lowestBitPosition(left) &+ delay
        } else {
            // The next read is the gap after the key just read (the end of the list after the last one).
            var gap = Lanes()
            let row = gaps + c &* 8 &* gapStride
            for j in 0 ..< 8 { gap[j] = row[j &* gapStride &+ Int(truncatingIfNeeded: newCursor[j])] }
            h.nextRead = LaneMath.select(push, trs &+ gap, due)
        }
        let one = 0 &- push
        ring[slot &+ c] = one
        if recording {
            if c == 0 { h.store(to: lane.hot) }
            recordPushes(chunk: c, pushed: one, done: LaneMath.equal(newCursor, h.selected), stalledFrom: due, at: t)
        }
        return Int(one.wrappedSum())
    }

    // Out of line: the hot loop's rare paths (timelines) stay out of its frame.

    /// `pushed`: 1 in the lanes that pushed; `done`: −1 in the lanes whose list has no selected key left.
    @inline(never)
    private func recordPushes(chunk c: Int, pushed: Lanes, done: Lanes, stalledFrom due: Lanes, at t: Cycle) {
        for j in 0 ..< 8 where pushed[j] != 0 {
            let s = c * 8 + j
            let since = readStart + Cycle(due[j])
            if since < t {
                recorder!.selectorReads(s, query: readQuery, from: readsSince[s], to: since)
                recorder!.selectorStalled(s, query: readQuery, from: since, to: t)
                readsSince[s] = t
            }
            recordQueueLevel(s, at: t)
            if done[j] != 0 { recordListEnd(s) }
        }
    }

    /// Selector `s` has read its last selected key (or has none): the rest of its list is read one key
    /// per cycle.
    @inline(never)
    private func recordListEnd(_ s: Int) {
        guard lane.length[s >> 3][s & 7] > 0 else { return }
        recorder!.selectorReads(s, query: readQuery, from: readsSince[s], to: readStart + Cycle(lane.hot[s >> 3].nextRead[s & 7]))
    }

    @inline(never)
    private func recordAttention(_ state: IntervalState, query a: Int, at t: Cycle) {
        recorder!.attention(state, query: a, from: t, to: t + 1)
    }

    @inline(never)
    private func recordQueueLevel(_ s: Int, at t: Cycle) {
        recorder!.queueLevel(s, level: Int(lane.hot[s >> 3].count[s & 7]), at: t)
    }

    /// Closes the queue statistics at the end of the invocation: the entries still reserved (none in a
    /// finished invocation) count up to `total`.
    func finish(at total: Cycle) {
        if total > clock { accumulateSlots(cycles: total &- clock) }
        foldRuns()
        clock = max(clock, total)
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
    var canFastForward: Bool { !recording && keysToRead == 0 }

    /// The ring slots of the pushes not yet visible once cycle `clock` has made its due ones visible:
    /// push cycles `clock − D + 1 … clock − 1`.
    private var pendingPushCycles: Range<Cycle> { clock &- depth &+ 1 ..< clock }

    /// Appends every part of the bank's state that can influence its future, with times relative to
    /// `origin` (`S_i`) and query indices relative to `query` (`i`); `firstUnderived` is the first query
    /// whose output division start the pipeline has not derived yet (its partial results are still read).
    /// The pure accumulators (busy, blocked and slot-cycle sums, the maximum occupancy) are left out
    /// (docs/model.md §10). First makes the pushes due by `clock` visible, as the cycle would.
    func appendRelativeState(to out: inout ContiguousArray<Int64>, origin: Cycle, query i: Int, firstUnderived: Int) {
        catchUpVisibility(at: clock, &lane.hot[0], chunks: chunks)
        out.append(clock &- origin)
        out.append(Int64(current &- i))
        out.append(Int64(readQuery &- i))
        out.append(Int64(keysToRead))
        out.append(Int64(roundRobinLast))
        out.append(readsDoneAt &- origin)
        out.append(readStart &- origin)
        out.append(KeyBank.relative(lastIssueCycle, to: origin, unset: lastIssueCycle < 0))
        out.append(Int64(ownTotal))
        out.append(Int64(nextTotal))
        out.append(visibleThrough &- origin)
        for p in pendingPushCycles {
            let slot = Int(truncatingIfNeeded: p) & ringMask &* chunks
            for c in 0 ..< chunks { out.append(Int64((ring[slot &+ c] &<< Lanes(0, 1, 2, 3, 4, 5, 6, 7)).wrappedSum())) }
        }
        for s in 0 ..< selectors {
            let c = s >> 3, j = s & 7
            let h = lane.hot[c]
            for field in [h.count, h.visible, h.own, h.next, h.cursor, h.selected, lane.length[c],
                          binnedCounts(chunk: c), h.nextRead, h.remaining, h.delay] {
                out.append(Int64(field[j]))
            }
            out.append(KeyBank.relative(lane.lastRead[s], to: origin, unset: lane.lastRead[s] < 0))
        }
        // The live queries' records (current … readQuery), then the partial results still to be read.
        if current <= readQuery {
            for q in current ... readQuery {
                out.append(lastRead[q] &- origin)
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
        foldRuns()
        for s in 0 ..< selectors {
            out.append(lane.busy[s])
            out.append(lane.blocked[s])
            out.append(lane.slotCycles[s])
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
                lastIssue[q &+ m] = lastIssue[q] <= -KeyBank.never ? lastIssue[q] : lastIssue[q] &+ shift
                leftAt[q &+ m] = leftAt[q] < 0 ? leftAt[q] : leftAt[q] &+ shift
                partialAvailable[q &+ m] = partialAvailable[q] < 0 ? partialAvailable[q] : partialAvailable[q] &+ shift
            }
        }
        // The queries finished in the skipped periods: the one finished in the last period, shifted.
        for k in 0 ..< m {
            let step = Cycle(k &+ 1) &* period
            let q = c &+ k
            lastIssue[q] = lastIssue[c &- 1] <= -KeyBank.never ? lastIssue[c &- 1] : lastIssue[c &- 1] &+ step
            leftAt[q] = leftAt[c &- 1] < 0 ? leftAt[c &- 1] : leftAt[c &- 1] &+ step
            partialAvailable[q] = partialAvailable[c &- 1] < 0 ? partialAvailable[c &- 1] : partialAvailable[c &- 1] &+ step
            // Query `i − 1` is the last one read: its record is the one the reads of query `i − 1 + k + 1` repeat.
            lastRead[i &+ k] = lastRead[i &- 1] &+ step
        }
        // The pushes not yet visible move with time (`appendRelativeState` made the due ones visible).
        let pending = pendingPushCycles
        var moved: [Lanes] = []
        for p in pending {
            let slot = Int(truncatingIfNeeded: p) & ringMask &* chunks
            for k in 0 ..< chunks { moved.append(ring[slot &+ k]); ring[slot &+ k] = Lanes() }
        }
        var index = 0
        for p in pending {
            let slot = Int(truncatingIfNeeded: p &+ shift) & ringMask &* chunks
            for k in 0 ..< chunks { ring[slot &+ k] = moved[index]; index &+= 1 }
        }
        visibleThrough &+= shift
        current = c &+ m
        readQuery = r &+ m
        clock &+= shift
        readStart &+= shift
        readsDoneAt &+= shift
        if lastIssueCycle >= 0 { lastIssueCycle &+= shift }
        let times = Int64(m)
        var o = offset
        foldRuns()
        for s in 0 ..< selectors {
            if lane.lastRead[s] >= 0 { lane.lastRead[s] &+= shift }
            lane.busy[s] &+= times &* (latest[o] &- previous[o])
            lane.blocked[s] &+= times &* (latest[o &+ 1] &- previous[o &+ 1])
            lane.slotCycles[s] &+= times &* (latest[o &+ 2] &- previous[o &+ 2])
            o &+= 3
        }
        attentionBusy &+= times &* (latest[o] &- previous[o])
        attentionBlocked &+= times &* (latest[o &+ 1] &- previous[o &+ 1])
    }
}

/// The per-selector fields a `KeyBank` reads or writes in every simulated cycle, one `Int32` lane of
/// `SIMD8` each: one value per chunk of eight selectors (the hot loop keeps chunk 0 in registers).
struct HotLanes {
    typealias Lanes = SIMD8<Int32>
    /// Reserved slots (entries in the pipeline or visible).
    var count = Lanes()
    /// Leading entries that are visible (exact once the pushes due by the cycle have been applied).
    var visible = Lanes()
    /// Entries of the current query (at the front of the queue) and of the next one (behind them).
    var own = Lanes()
    var next = Lanes()
    /// Selected keys read so far from the list being read, and how many the list has.
    var cursor = Lanes()
    var selected = Lanes()
    /// The cycle, relative to the read query's start, of the next selected read (while stalled, the
    /// read the selector waits to make); after the last selected key, one past the list's last read.
    var nextRead = Lanes()
    /// The list positions not read yet, with the end-of-list bit (when the lists are masks).
    var remaining = Lanes()
    /// Stall cycles of the list being read so far (when the lists are masks).
    var delay = Lanes()
    /// The most slots ever reserved.
    var occupancyMax = Lanes()
    /// Stall cycles and slot-cycles since the last fold into the Int64 totals.
    var blockedRun = Lanes()
    var slotRun = Lanes()
}

extension HotLanes {
    // Field by field: a whole-value copy of these 352 bytes compiles to a call of `memcpy`, and the
    // kernel moves chunk 0 between its local and memory at every query start and idle jump (≈ 4 % of
    // the instructions of a run on the n = 128 trace).

    /// The lanes stored at `p`.
    @inline(__always)
    init(at p: UnsafeMutablePointer<HotLanes>) {
        count = p.pointee.count
        visible = p.pointee.visible
        own = p.pointee.own
        next = p.pointee.next
        cursor = p.pointee.cursor
        selected = p.pointee.selected
        nextRead = p.pointee.nextRead
        remaining = p.pointee.remaining
        delay = p.pointee.delay
        occupancyMax = p.pointee.occupancyMax
        blockedRun = p.pointee.blockedRun
        slotRun = p.pointee.slotRun
    }

    /// Stores the lanes at `p`.
    @inline(__always)
    func store(to p: UnsafeMutablePointer<HotLanes>) {
        p.pointee.count = count
        p.pointee.visible = visible
        p.pointee.own = own
        p.pointee.next = next
        p.pointee.cursor = cursor
        p.pointee.selected = selected
        p.pointee.nextRead = nextRead
        p.pointee.remaining = remaining
        p.pointee.delay = delay
        p.pointee.occupancyMax = occupancyMax
        p.pointee.blockedRun = blockedRun
        p.pointee.slotRun = slotRun
    }
}

/// The per-selector fields of a `KeyBank`: the hot ones (`HotLanes`), the per-list ones one `Int32` lane of
/// `SIMD8` chunks each, the totals one `Int64` per lane (`chunks · 8` of them).
struct LaneState {
    typealias Lanes = SIMD8<Int32>
    let hot: UnsafeMutablePointer<HotLanes>
    /// Keys in the list being read.
    let length: UnsafeMutablePointer<Lanes>
    /// The last read cycle of the lists before the one being read, or −1.
    let lastRead: UnsafeMutablePointer<Int64>
    let busy: UnsafeMutablePointer<Int64>
    let blocked: UnsafeMutablePointer<Int64>
    /// Σ over cycles of the reserved slots at the end of the cycle.
    let slotCycles: UnsafeMutablePointer<Int64>

    init(chunks: Int) {
        hot = .filled(HotLanes(), count: chunks)
        length = .filled(.zero, count: chunks)
        lastRead = .filled(-1, count: chunks * 8)
        busy = .filled(0, count: chunks * 8)
        blocked = .filled(0, count: chunks * 8)
        slotCycles = .filled(0, count: chunks * 8)
    }

    func deallocate() {
        hot.deallocate()
        length.deallocate()
        for p in [lastRead, busy, blocked, slotCycles] { p.deallocate() }
    }
}

/// Lane-wise comparisons and selections as sign-bit arithmetic on `SIMD8<Int32>` (every operand here
/// is inside ±2³⁰): a mask is −1 in the lanes where the relation holds and 0 elsewhere. One or two
/// vector instructions each, where the standard library's `SIMDMask` goes lane by lane through memory.
enum LaneMath {
    typealias Lanes = SIMD8<Int32>

    /// `a < b`.
    @inline(__always)
    static func less(_ a: Lanes, _ b: Lanes) -> Lanes { (a &- b) &>> 31 }

    /// `a == b`.
    @inline(__always)
    static func equal(_ a: Lanes, _ b: Lanes) -> Lanes {
        let x = a ^ b
        return ~(x | (Lanes() &- x)) &>> 31
    }

    /// `mask ? a : b`.
    @inline(__always)
    static func select(_ mask: Lanes, _ a: Lanes, _ b: Lanes) -> Lanes { (a & mask) | (b & ~mask) }

    @inline(__always)
    static func maximum(_ a: Lanes, _ b: Lanes) -> Lanes { select(less(a, b), b, a) }

    @inline(__always)
    static func minimum(_ a: Lanes, _ b: Lanes) -> Lanes { select(less(a, b), a, b) }

    /// The position of each lane's lowest set bit, for lanes whose lowest set bit is below bit 31: the
    /// exponent of that power of two converted to `Float` (exactly).
    @inline(__always)
    static func lowestBitPosition(_ x: Lanes) -> Lanes {
        let lowest = x & (Lanes() &- x)
        return ((unsafeBitCast(SIMD8<Float>(lowest), to: Lanes.self) &>> 23) & 0xFF) &- 127
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
