import SimCore

/// A module instance of one head invocation, named as the timeline shows it (ELSA §IV-C modules;
/// `docs/model.md` §5 instances).
public enum PipelineUnit: Sendable, Hashable, CustomStringConvertible {
    case hash
    case norm
    /// Candidate selector `index` (0 ..< Pc) of attention module / key bank `bank`.
    case selector(bank: Int, index: Int)
    /// The attention computation module of key bank `bank`.
    case attention(bank: Int)
    case outputDivision

    public var description: String {
        switch self {
        case .hash: return "hash"
        case .norm: return "norm"
        case let .selector(b, s): return "selector b\(b).s\(s)"
        case let .attention(b): return "attention b\(b)"
        case .outputDivision: return "output division"
        }
    }
}

/// The two states of `docs/model.md` §5 that a timeline draws as spans; the other two (starved, idle)
/// are the gaps between them.
public enum IntervalState: String, Sendable, Hashable {
    case busy
    case blocked
}

/// A maximal run of consecutive cycles `[start, end)` in which one instance was in one state for one
/// query (cycles, `end` exclusive).
public struct PipelineInterval: Sendable, Equatable {
    public var unit: PipelineUnit
    public var state: IntervalState
    /// The query the work belongs to (a blocked hash unit holds the finished hash of this query); `-1` for the hash unit's key hashing and for the norm unit
    /// (preprocessing, ELSA §IV-C(2)).
    public var query: Int
    public var start: Cycle
    public var end: Cycle

    public init(unit: PipelineUnit, state: IntervalState, query: Int, start: Cycle, end: Cycle) {
        self.unit = unit
        self.state = state
        self.query = query
        self.start = start
        self.end = end
    }

    /// `end − start`.
    public var length: Cycle { end - start }
}

/// A change of a selector output queue's reserved slots, sampled at the end of cycle `cycle` (the
/// same sample `OccupancyStats` accumulates): from that cycle on the queue holds `level` slots until
/// the next change.
public struct QueueLevelChange: Sendable, Equatable {
    public var bank: Int
    public var selector: Int
    public var cycle: Cycle
    public var level: Int

    public init(bank: Int, selector: Int, cycle: Cycle, level: Int) {
        self.bank = bank
        self.selector = selector
        self.cycle = cycle
        self.level = level
    }
}

/// Everything the optional recorder saw in one head invocation: busy and blocked intervals of every
/// module instance, queue occupancy changes, and the query start and output-division start cycles.
/// Built only by `ElsaPipeline.simulateRecording`; the default `simulate` records nothing.
public struct PipelineRecording: Sendable, Equatable {
    /// Sorted by (start, unit order, state); every instance's intervals are disjoint.
    public var intervals: [PipelineInterval]
    public var queueLevels: [QueueLevelChange]
    /// `S_i` (`docs/model.md` §4 step 1).
    public var queryStarts: [Cycle]
    /// `OD_i` (§4 step 4).
    public var outputDivisionStarts: [Cycle]

    public init(intervals: [PipelineInterval], queueLevels: [QueueLevelChange], queryStarts: [Cycle],
                outputDivisionStarts: [Cycle]) {
        self.intervals = intervals
        self.queueLevels = queueLevels
        self.queryStarts = queryStarts
        self.outputDivisionStarts = outputDivisionStarts
    }

    /// Σ lengths of `unit`'s intervals in `state`.
    public func cycles(of unit: PipelineUnit, _ state: IntervalState) -> Cycle {
        intervals.reduce(0) { $0 + ($1.unit == unit && $1.state == state ? $1.length : 0) }
    }
}

/// The per-bank half of the recorder. The key bank reports spans as its events happen — a selector's run
/// of reads ending at a stall or at the end of its list, a stall ending when the arbiter pops its queue,
/// each issue, each blocked stretch of the arbiter — so the simulation's hot loops carry only a `nil`
/// check; consecutive cycles of one track and query merge into one interval. Allocates only when a
/// recording is made.
struct BankRecorder: Sendable {
    let bank: Int
    let selectors: Int
    private(set) var intervals: [PipelineInterval] = []
    private(set) var queueLevels: [QueueLevelChange] = []
    /// Index in `intervals` of each track's last interval (−1: none). Tracks: selector s busy = 2s,
    /// selector s blocked = 2s + 1, attention busy = 2·Pc, attention blocked = 2·Pc + 1.
    private var open: [Int]
    /// Each queue's level as last committed, and the sample held back for the current cycle.
    private var committedLevel: [Int]
    private var pendingCycle: [Cycle]
    private var pendingLevel: [Int]

    init(bank: Int, selectors: Int) {
        self.bank = bank
        self.selectors = selectors
        open = Array(repeating: -1, count: 2 * selectors + 2)
        committedLevel = Array(repeating: 0, count: selectors)
        pendingCycle = Array(repeating: -1, count: selectors)
        pendingLevel = Array(repeating: 0, count: selectors)
    }

    /// Selector `s` read keys of `query` at cycles `[start, end)`.
    mutating func selectorReads(_ s: Int, query: Int, from start: Cycle, to end: Cycle) {
        add(track: 2 * s, unit: .selector(bank: bank, index: s), .busy, query: query, start: start, end: end)
    }

    /// Selector `s` stalled on a full queue at cycles `[start, end)`.
    mutating func selectorStalled(_ s: Int, query: Int, from start: Cycle, to end: Cycle) {
        add(track: 2 * s + 1, unit: .selector(bank: bank, index: s), .blocked, query: query, start: start, end: end)
    }

    /// The attention module issued a key of `query` (`state` busy) or was blocked (`state` blocked) at
    /// cycles `[start, end)`.
    mutating func attention(_ state: IntervalState, query: Int, from start: Cycle, to end: Cycle) {
        add(track: 2 * selectors + (state == .busy ? 0 : 1), unit: .attention(bank: bank), state, query: query,
            start: start, end: end)
    }

    /// Selector `s`'s queue holds `level` reserved slots at the end of cycle `t`. Changes are held back
    /// until the cycle is over (a pop and a push in one cycle leave one sample, or none when the level is
    /// back where it was); `flush()` commits the last ones.
    mutating func queueLevel(_ s: Int, level: Int, at t: Cycle) {
        if pendingCycle[s] >= 0 && pendingCycle[s] < t { commit(s) }
        pendingCycle[s] = t
        pendingLevel[s] = level
    }

    /// Commits every held-back queue sample (call once the simulation is over).
    mutating func flush() {
        for s in 0 ..< selectors where pendingCycle[s] >= 0 { commit(s) }
    }

    private mutating func commit(_ s: Int) {
        if pendingLevel[s] != committedLevel[s] {
            queueLevels.append(QueueLevelChange(bank: bank, selector: s, cycle: pendingCycle[s], level: pendingLevel[s]))
            committedLevel[s] = pendingLevel[s]
        }
        pendingCycle[s] = -1
    }

    private mutating func add(track: Int, unit: PipelineUnit, _ state: IntervalState, query: Int, start: Cycle, end: Cycle) {
        guard end > start else { return }
        let last = open[track]
        if last >= 0 && intervals[last].end == start && intervals[last].query == query {
            intervals[last].end = end
            return
        }
        open[track] = intervals.count
        intervals.append(PipelineInterval(unit: unit, state: state, query: query, start: start, end: end))
    }
}
