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

/// The per-bank half of the recorder. At the end of each simulated cycle it compares the bank's
/// counters with their values one cycle earlier (each grows by at most 1 per cycle), so the
/// simulation's hot loops carry no recording code; consecutive cycles of one track and query merge
/// into one interval. Allocates only when a recording is made.
struct BankRecorder: Sendable {
    let bank: Int
    let selectors: Int
    private(set) var intervals: [PipelineInterval] = []
    private(set) var queueLevels: [QueueLevelChange] = []
    /// Index in `intervals` of each track's last interval (−1: none). Tracks: selector s busy = 2s,
    /// selector s blocked = 2s + 1, attention busy = 2·Pc, attention blocked = 2·Pc + 1.
    private var open: [Int]
    private var lastLevel: [Int]
    private var seenSelectorBusy: [Cycle]
    private var seenSelectorBlocked: [Cycle]
    private var seenAttentionBusy: Cycle = 0
    private var seenAttentionBlocked: Cycle = 0

    init(bank: Int, selectors: Int) {
        self.bank = bank
        self.selectors = selectors
        open = Array(repeating: -1, count: 2 * selectors + 2)
        lastLevel = Array(repeating: 0, count: selectors)
        seenSelectorBusy = Array(repeating: 0, count: selectors)
        seenSelectorBlocked = Array(repeating: 0, count: selectors)
    }

    /// Records what the bank did in cycle `t`: selectors read (or stalled on) keys of `readQuery`, the
    /// attention module issued (or was blocked on) `attentionQuery`; queue levels at the end of `t`.
    mutating func endCycle(_ t: Cycle, readQuery: Int, attentionQuery: Int, selectorBusy: [Cycle],
                           selectorBlocked: [Cycle], attentionBusy: Cycle, attentionBlocked: Cycle,
                           queues: [BoundedFIFO<KeyBank.Entry>]) {
        for s in 0 ..< selectors {
            if selectorBusy[s] != seenSelectorBusy[s] {
                seenSelectorBusy[s] = selectorBusy[s]
                add(track: 2 * s, unit: .selector(bank: bank, index: s), .busy, query: readQuery, at: t)
            }
            if selectorBlocked[s] != seenSelectorBlocked[s] {
                seenSelectorBlocked[s] = selectorBlocked[s]
                add(track: 2 * s + 1, unit: .selector(bank: bank, index: s), .blocked, query: readQuery, at: t)
            }
            let level = queues[s].count
            if level != lastLevel[s] {
                lastLevel[s] = level
                queueLevels.append(QueueLevelChange(bank: bank, selector: s, cycle: t, level: level))
            }
        }
        if attentionBusy != seenAttentionBusy {
            seenAttentionBusy = attentionBusy
            add(track: 2 * selectors, unit: .attention(bank: bank), .busy, query: attentionQuery, at: t)
        }
        if attentionBlocked != seenAttentionBlocked {
            seenAttentionBlocked = attentionBlocked
            add(track: 2 * selectors + 1, unit: .attention(bank: bank), .blocked, query: attentionQuery, at: t)
        }
    }

    private mutating func add(track: Int, unit: PipelineUnit, _ state: IntervalState, query: Int, at t: Cycle) {
        let last = open[track]
        if last >= 0 && intervals[last].end == t && intervals[last].query == query {
            intervals[last].end = t + 1
            return
        }
        open[track] = intervals.count
        intervals.append(PipelineInterval(unit: unit, state: state, query: query, start: t, end: t + 1))
    }
}
