import SimCore

// The explicit state of the cycle-stepped reference model (docs/model.md §4). Nothing here is shared
// with the event engine: the reference model is written from docs/model.md alone and is the oracle
// that checks the event engine.

/// What one unit did in one cycle, as far as the unit itself can tell: working, stalled by
/// back-pressure, or neither. Whether a "neither" cycle is starved or idle depends on the active
/// window (docs/model.md §5), which is only known once the unit's last busy cycle is known.
enum ReferenceCycleState: Equatable {
    case busy
    case blocked
    case waiting
}

/// Counts the four states of one unit instance directly, one cycle at a time.
///
/// A waiting cycle is held as *pending* until the next busy or blocked cycle proves that it lies
/// inside the active window (then it is starved); the pending cycles left after the last busy cycle
/// are idle. `finish` checks the result against `UnitActivity.fromWindow`.
struct ReferenceStateCounter {
    let name: String
    /// First cycle of the unit's phase (0 for hash and norm, `P` for the execution units).
    let windowStart: Cycle
    private(set) var busy: Cycle = 0
    private(set) var blocked: Cycle = 0
    private(set) var starved: Cycle = 0
    private(set) var idle: Cycle = 0
    private var pending: Cycle = 0
    private(set) var lastBusy: Cycle? = nil
    private var lastBlocked: Cycle? = nil
    private var nextCycle: Cycle = 0

    init(name: String, windowStart: Cycle) {
        self.name = name
        self.windowStart = windowStart
    }

    mutating func record(_ state: ReferenceCycleState, at t: Cycle) {
        precondition(t == nextCycle, "\(name): cycle \(t) recorded out of order (expected \(nextCycle))")
        nextCycle += 1
        if t < windowStart {
            precondition(state == .waiting, "\(name): \(state) at cycle \(t) before its phase starts at \(windowStart)")
            idle += 1
            return
        }
        switch state {
        case .busy:
            starved += pending
            pending = 0
            busy += 1
            lastBusy = t
        case .blocked:
            starved += pending
            pending = 0
            blocked += 1
            lastBlocked = t
        case .waiting:
            pending += 1
        }
    }

    /// The four counts over `[0, total)`, cross-checked against `UnitActivity.fromWindow`.
    func finish(total: Cycle) -> UnitActivity {
        precondition(nextCycle == total, "\(name): recorded \(nextCycle) cycles, invocation has \(total)")
        if let blockedAt = lastBlocked {
            precondition(lastBusy.map { blockedAt < $0 } ?? false,
                         "\(name): blocked at cycle \(blockedAt) after its last busy cycle \(String(describing: lastBusy))")
        }
        let direct = UnitActivity(busy: busy, blocked: blocked, starved: starved, idle: idle + pending)
        let windowed = UnitActivity.fromWindow(busy: busy, blocked: blocked, windowStart: windowStart,
                                               lastBusy: lastBusy, total: total)
        precondition(direct == windowed, "\(name): direct count \(direct) differs from the window count \(windowed)")
        precondition(direct.total == total, "\(name): states add up to \(direct.total), not T = \(total)")
        return direct
    }
}

/// One entry of a selector output queue: a selected key of a query, visible to the arbiter from
/// `visibleFrom` (its read cycle + D).
struct ReferenceEntry: Equatable, CustomStringConvertible {
    let query: Int
    let key: Int
    let visibleFrom: Cycle

    var description: String { "(q\(query) k\(key) @\(visibleFrom))" }
}

/// A selector output queue: `capacity` slots, each reserved by a selected key from the cycle it is
/// read until the arbiter pops it. Entries in the pipeline (not yet visible) hold slots too. The slots
/// are SimCore's `BoundedFIFO`, which traps on a push into a full queue (back-pressure is the
/// selector's job).
struct ReferenceQueue {
    let capacity: Int
    private var fifo: BoundedFIFO<ReferenceEntry>

    init(capacity: Int) {
        self.capacity = capacity
        fifo = BoundedFIFO(capacity: capacity, filler: ReferenceEntry(query: -1, key: -1, visibleFrom: 0))
    }

    /// The entries in FIFO order (`slots[0]` is the head).
    var slots: [ReferenceEntry] { (0 ..< fifo.count).map { fifo[$0] } }
    var reserved: Int { fifo.count }
    var isFull: Bool { fifo.isFull }
    var head: ReferenceEntry? { fifo.first }

    mutating func reserve(_ entry: ReferenceEntry) {
        if fifo.count > 0 {
            let last = fifo[fifo.count - 1]
            precondition(last.visibleFrom <= entry.visibleFrom && last.query <= entry.query,
                         "queue entries out of order: \(last) before \(entry)")
        }
        fifo.push(entry)
    }

    mutating func pop() -> ReferenceEntry { fifo.pop() }

    /// Entries visible at cycle `t` (any query).
    func visibleCount(at t: Cycle) -> Int {
        var count = 0
        for index in 0 ..< fifo.count where fifo[index].visibleFrom <= t { count += 1 }
        return count
    }

    func holds(query: Int) -> Bool {
        for index in 0 ..< fifo.count where fifo[index].query == query { return true }
        return false
    }
}

/// Candidate selector `lane` of bank `bank`: its current query, its position in the list
/// `L(i, bank, lane)`, and its output queue.
final class ReferenceSelector {
    let bank: Int
    let lane: Int
    /// Current query (`nil` before `S_0`).
    var query: Int? = nil
    /// Keys of the current list already read.
    var position = 0
    /// Length of the current list.
    var listLength = 0
    var queue: ReferenceQueue
    var counter: ReferenceStateCounter
    var occupancy = OccupancyStats()

    init(bank: Int, lane: Int, queue: ReferenceQueue, counter: ReferenceStateCounter) {
        self.bank = bank
        self.lane = lane
        self.queue = queue
        self.counter = counter
    }

    var exhausted: Bool { position >= listLength }
}

/// Attention module (and its arbiter) of bank `b`.
final class ReferenceBank {
    /// `a_b`: the query the module is working on.
    var current = 0
    /// Round-robin pointer: the last granted lane (starts at `Pc − 1` so that lane 0 is first).
    var lastGranted: Int
    /// Per query: last issue cycle in this bank (`nil` = never, i.e. −∞).
    var lastIssue: [Cycle?]
    /// Per query: last cycle a selector of this bank read a key of the query.
    var lastRead: [Cycle?]
    /// Per query: `W(a, b)`, the cycle the module left the query.
    var leftAt: [Cycle?]
    /// Per query: `PA(a, b)`, the cycle the partial result is available to the output division.
    var partialAt: [Cycle?]
    var counter: ReferenceStateCounter

    init(queries: Int, lanes: Int, counter: ReferenceStateCounter) {
        lastGranted = lanes - 1
        lastIssue = Array(repeating: nil, count: queries)
        lastRead = Array(repeating: nil, count: queries)
        leftAt = Array(repeating: nil, count: queries)
        partialAt = Array(repeating: nil, count: queries)
        self.counter = counter
    }
}

/// What the reference model saw, for hand-derived tests (`@testable import ElsaModel`).
struct ReferenceTrace: Equatable {
    /// `S_i`.
    var starts: [Cycle]
    /// `E_i` (`S_i − 1` when no selector has a key).
    var scanEnds: [Cycle]
    /// `W(i, b)`, indexed `[b][i]`.
    var leaves: [[Cycle]]
    /// `PA(i, b)`, indexed `[b][i]`.
    var partials: [[Cycle]]
    /// `OD_i`.
    var divisionStarts: [Cycle]
}
