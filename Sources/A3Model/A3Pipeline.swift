import SimCore

/// What the A^3 pipeline did with one head's queries: the execution phase only (cycles from the first
/// query entering the first module to the last output row).
public struct A3PipelineTiming: Sendable, Equatable {
    /// The modules, in pipeline order.
    public var stages: [A3Stage]
    /// Cycles from the first query entering the pipeline to the last query leaving it.
    public var cycles: Cycle
    /// Per module (in `stages` order), the four states of every cycle of `[0, cycles)`.
    public var activity: [UnitActivity]
    /// Queries inside the pipeline (entered the first module, not yet out of the last) at the end of
    /// each cycle; the paper's "three queries in flight" is its maximum in base A^3.
    public var inFlight: OccupancyStats
    /// Cycle each query entered the first module.
    public var entries: [Cycle]
    /// Cycle each query's output row was complete (it left the last module).
    public var completions: [Cycle]

    /// Cycles query `i` spent in the pipeline.
    public func latency(query i: Int) -> Cycle { completions[i] - entries[i] }
}

/// The A^3 pipeline as a discrete-event model on SimCore's engine (`docs/a3.md` §3): a chain of
/// modules, each holding one query at a time, with no buffer between modules.
///
/// Query `i` enters module `m` at the first cycle when (a) it has finished its work in module `m − 1`
/// (or, for the first module, it is the next query in the query queue, all queued at cycle 0) and (b)
/// module `m` is empty: its previous query has left it, i.e. has entered module `m + 1` (or, for the
/// last module, has finished). A module that has finished a query whose next module is still busy is
/// *blocked* and keeps it. Work takes `durations[m][i]` cycles from entry; a duration of 0 passes the
/// query through in the same cycle.
public enum A3Pipeline {
    /// Simulates `durations[m][i]` (module `m` in `stages` order, query `i`) and returns the timing.
    ///
    /// - Precondition: one row per stage, every row of the same length, durations ≥ 0.
    /// - Complexity: O(S·Q) events, each O(S + log(S)) work, for S modules and Q queries.
    public static func simulate(stages: [A3Stage], durations: [[Cycle]]) -> A3PipelineTiming {
        precondition(!stages.isEmpty && durations.count == stages.count, "\(durations.count) duration rows for \(stages.count) stages")
        let queries = durations[0].count
        precondition(durations.allSatisfy { $0.count == queries && $0.allSatisfy { $0 >= 0 } }, "ragged or negative durations")
        var simulator = Simulator(model: FlowShop(durations: durations, queries: queries))
        simulator.schedule(FlowShop.Event(stage: -1), at: 0)
        simulator.run()
        let model = simulator.model
        precondition(model.completed == queries, "pipeline stopped with \(model.completed) of \(queries) queries done")
        let total = model.completions.last ?? 0
        var inFlight = model.inFlight
        inFlight.record(level: model.inFlightLevel, cycles: total - model.lastLevelChange)
        let activity = (0 ..< stages.count).map { m in
            UnitActivity.fromWindow(busy: model.busy[m], blocked: model.blocked[m], windowStart: 0,
                                    lastBusy: model.lastHeld[m], total: total)
        }
        return A3PipelineTiming(stages: stages, cycles: total, activity: activity, inFlight: inFlight,
                                entries: model.entries, completions: model.completions)
    }
}

/// One stretch of a module holding a query (the A^3 timeline, `docs/a3.md` §3): `busy` while it works on
/// it, `blocked` while it has finished but the next module is still occupied.
public struct A3StageSpan: Sendable, Equatable {
    /// Module index in `stages` order.
    public var stage: Int
    public var query: Int
    public var start: Cycle
    public var end: Cycle
    public var busy: Bool
}

extension A3Pipeline {
    /// `simulate`, also returning every busy and blocked span in the order the modules released their
    /// queries (for `elsa-sim run --timeline`). The timing is the same value `simulate` returns.
    public static func simulateRecording(stages: [A3Stage], durations: [[Cycle]]) -> (A3PipelineTiming, [A3StageSpan]) {
        precondition(!stages.isEmpty && durations.count == stages.count, "\(durations.count) duration rows for \(stages.count) stages")
        let queries = durations[0].count
        var model = FlowShop(durations: durations, queries: queries)
        model.spans = []
        var simulator = Simulator(model: model)
        simulator.schedule(FlowShop.Event(stage: -1), at: 0)
        simulator.run()
        return (simulate(stages: stages, durations: durations), simulator.model.spans ?? [])
    }
}

/// The event-driven chain of modules behind `A3Pipeline` (a blocking flow shop).
struct FlowShop: EventDrivenModel {
    /// Module `stage` has finished the work on the query it holds; stage −1 starts the head.
    struct Event: Sendable { var stage: Int }

    let durations: [[Cycle]]
    let queries: Int
    var occupant: [Int]
    var finished: [Bool]
    var finishedAt: [Cycle]
    var nextQuery = 0
    var completed = 0
    var busy: [Cycle]
    var blocked: [Cycle]
    var lastHeld: [Cycle?]
    var entries: [Cycle]
    var completions: [Cycle]
    var inFlight = OccupancyStats()
    var inFlightLevel = 0
    var lastLevelChange: Cycle = 0
    /// Busy and blocked spans, recorded only when non-nil (`simulateRecording`).
    var spans: [A3StageSpan]? = nil

    init(durations: [[Cycle]], queries: Int) {
        self.durations = durations
        self.queries = queries
        let s = durations.count
        occupant = Array(repeating: -1, count: s)
        finished = Array(repeating: false, count: s)
        finishedAt = Array(repeating: 0, count: s)
        busy = Array(repeating: 0, count: s)
        blocked = Array(repeating: 0, count: s)
        lastHeld = Array(repeating: nil, count: s)
        entries = Array(repeating: 0, count: queries)
        completions = Array(repeating: 0, count: queries)
    }

    mutating func handle(_ event: Event, at now: Cycle, queue: inout EventQueue<Event>) {
        if event.stage >= 0 { finished[event.stage] = true }
        advance(at: now) { queue.schedule($0, at: $1) }
    }

    /// Moves every query that can move at cycle `now`, last module first (so a module freed this cycle
    /// takes its predecessor's query in the same cycle), then admits the next query.
    mutating func advance(at now: Cycle, queue schedule: (Event, Cycle) -> Void) {
        let last = durations.count - 1
        for m in stride(from: last, through: 0, by: -1) where occupant[m] >= 0 && finished[m] {
            if m == last {
                leave(stage: m, at: now)
                completed += 1
                completions[occupant[m]] = now
                setInFlight(inFlightLevel - 1, at: now)
                occupant[m] = -1
            } else if occupant[m + 1] < 0 {
                let query = occupant[m]
                leave(stage: m, at: now)
                occupant[m] = -1
                enter(stage: m + 1, query: query, at: now, schedule: schedule)
            }
        }
        if occupant[0] < 0 && nextQuery < queries {
            entries[nextQuery] = now
            setInFlight(inFlightLevel + 1, at: now)
            enter(stage: 0, query: nextQuery, at: now, schedule: schedule)
            nextQuery += 1
        }
    }

    mutating func enter(stage m: Int, query: Int, at now: Cycle, schedule: (Event, Cycle) -> Void) {
        occupant[m] = query
        finished[m] = false
        let d = durations[m][query]
        busy[m] += d
        finishedAt[m] = now + d
        schedule(Event(stage: m), now + d)
    }

    /// The query in module `m` leaves it at `now`: the cycles since it finished were blocked.
    mutating func leave(stage m: Int, at now: Cycle) {
        blocked[m] += now - finishedAt[m]
        let start = finishedAt[m] - durations[m][occupant[m]]
        if now > start { lastHeld[m] = now - 1 }
        if spans != nil {
            if finishedAt[m] > start { spans!.append(A3StageSpan(stage: m, query: occupant[m], start: start, end: finishedAt[m], busy: true)) }
            if now > finishedAt[m] { spans!.append(A3StageSpan(stage: m, query: occupant[m], start: finishedAt[m], end: now, busy: false)) }
        }
    }

    mutating func setInFlight(_ level: Int, at now: Cycle) {
        inFlight.record(level: inFlightLevel, cycles: now - lastLevelChange)
        inFlightLevel = level
        lastLevelChange = now
    }
}
