import SimCore

/// The steady-state fast-forward of the event engine (`docs/model.md` §10): in exact mode, once the
/// state of the whole pipeline at a query start equals its state at the previous query start up to a
/// shift of time (and of query indices by one), and every remaining query has the same work in every
/// bank, the evolution is periodic; the pipeline then jumps over whole periods instead of simulating
/// them, and simulates the last queries and the drain cycle by cycle.
///
/// The buffers are allocated once per head invocation; detection appends to them and compares, so it
/// allocates nothing per query.
final class FastForwardState {
    /// Whether the pipeline may fast-forward (the switch tests use to compare both ways).
    let enabled: Bool
    /// The first query from which every query sees the same number of keys (`queries` if none): in exact
    /// mode every visible key is a candidate, so from there on every query has the same work in every bank.
    let uniformFrom: Int
    /// Relative state at the last query start taken (`S_{i−1}`) and at this one.
    var previous: ContiguousArray<Int64> = []
    var latest: ContiguousArray<Int64> = []
    /// Accumulators at the same two starts.
    var previousTotals: ContiguousArray<Int64> = []
    var latestTotals: ContiguousArray<Int64> = []
    /// Query and cycle of the start `previous` was taken at (−1: none).
    var previousQuery = -1
    var previousStart: Cycle = 0
    /// Set once the pipeline has jumped (a head jumps at most once).
    var done = false
    /// Queries whose simulation the jump replaced.
    var skippedQueries = 0

    /// Queries simulated for real after the jump, before the last one (which drains the pipeline).
    static let margin = 2
    /// The shortest jump worth taking.
    static let minimumJump = 2

    init(enabled: Bool, parameters: TimingParameters, selection: SelectionMatrix) {
        let uniform = parameters.exact && enabled
        self.enabled = uniform
        var from = selection.queries
        if uniform {
            let last = selection.visible[selection.queries - 1]
            from = selection.queries - 1
            while from > 0 && selection.visible[from - 1] == last { from -= 1 }
        }
        uniformFrom = from
        // Per bank: 11 scalars, 12 per lane, one per lane chunk and pending push cycle (D − 1 of them), 4 per
        // live query (at most 2), 1 per partial result still to be read (at most B_acc + 1); then the
        // pipeline's B_acc + 2. Reserved once: no growth per query.
        let pc = parameters.selectorsPerModule
        let perBank = 11 + 12 * pc + (pc + 7) / 8 * Int(parameters.selectorDepth) + 4 * 2 + parameters.accumulators + 1
        let capacity = uniform ? parameters.attentionModules * perBank + parameters.accumulators + 2 : 0
        previous.reserveCapacity(capacity)
        latest.reserveCapacity(capacity)
        let totals = uniform ? parameters.attentionModules * (3 * parameters.selectorsPerModule + 2) : 0
        previousTotals.reserveCapacity(totals)
        latestTotals.reserveCapacity(totals)
    }
}

extension ElsaPipeline {
    /// At query start `S_i` (`query`, `now`): records the relative state and, when it repeats the one
    /// at `S_{i−1}`, jumps to `S_{i+m}`, updating `query` and `now`. Only in exact mode, without a
    /// recorder, once every remaining query has the same work (`docs/model.md` §10).
    mutating func fastForwardIfPeriodic(query: inout Int, at now: inout Cycle) {
        let ff = fastForward
        let i = query
        let b = parameters.accumulators
        // Queries i − 1 … q − 1 have the same work; the output division starts read (from i − 2 − B on)
        // exist; a jump of at least `minimumJump` queries leaves the last `margin` + 1 queries to simulate.
        guard !ff.done, i - 1 >= ff.uniformFrom, i >= b + 3,
              i + FastForwardState.minimumJump + FastForwardState.margin < queries,
              nextOutputDivision == i - 1 else { return }
        for bank in banks where !bank.canFastForward { return }
        ff.latest.removeAll(keepingCapacity: true)
        ff.latestTotals.removeAll(keepingCapacity: true)
        ff.latest.append(Int64(nextOutputDivision - i))
        for q in nextOutputDivision - b - 1 ..< nextOutputDivision {
            ff.latest.append(outputDivisionStart[q] - now)
        }
        for bank in banks {
            bank.appendRelativeState(to: &ff.latest, origin: now, query: i, firstUnderived: nextOutputDivision)
            bank.appendTotals(to: &ff.latestTotals)
        }
        if ff.previousQuery == i - 1 && ff.latest == ff.previous {
            let period = now - ff.previousStart
            let m = queries - 1 - FastForwardState.margin - i
            jump(queries: m, period: period, query: i)
            ff.done = true
            ff.skippedQueries = m
            query = i + m
            now += Cycle(m) * period
            return
        }
        swap(&ff.previous, &ff.latest)
        swap(&ff.previousTotals, &ff.latestTotals)
        ff.previousQuery = i
        ff.previousStart = now
    }

    /// Moves every bank and the pipeline's own records from `S_i` to `S_{i+m} = S_i + m·period`.
    private mutating func jump(queries m: Int, period: Cycle, query i: Int) {
        let ff = fastForward
        var offset = 0
        for bank in banks {
            bank.fastForward(queries: m, period: period, query: i, previous: ff.previousTotals,
                             latest: ff.latestTotals, offset: offset)
            offset += bank.totalsCount
        }
        // Query starts i … i + m − 1 and output division starts of the queries finished meanwhile: the
        // last known one shifted by whole periods (the start of i + m is set by the caller's handling).
        let od = nextOutputDivision
        for k in 0 ..< m {
            let step = Cycle(k + 1) * period
            queryStart[i + k] = queryStart[i - 1] + step
            outputDivisionStart[od + k] = outputDivisionStart[od - 1] + step
        }
        nextOutputDivision = od + m
        lastOutputDivisionStart = outputDivisionStart[od + m - 1]
    }
}
