import Testing
@testable import SimCore

@Suite struct EventQueueTests {
    /// Events come out by time, then priority, then scheduling order — independent of insertion order.
    @Test func ordersByTimePriorityThenSequence() {
        var queue = EventQueue<String>()
        queue.schedule("c@5", at: 5)
        queue.schedule("a@2 p1", at: 2, priority: 1)
        queue.schedule("b@2 p0 first", at: 2)
        queue.schedule("b@2 p0 second", at: 2)
        queue.schedule("z@0", at: 0)
        var out: [String] = []
        while let e = queue.popNext() { out.append(e.payload) }
        #expect(out == ["z@0", "b@2 p0 first", "b@2 p0 second", "a@2 p1", "c@5"])
    }

    /// A seeded random schedule pops in the same order as a stable sort by (time, priority).
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func matchesStableSort(seed: UInt64) {
        var state = seed
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        var queue = EventQueue<Int>()
        var reference: [(Cycle, Int32, Int)] = []
        for i in 0 ..< 500 {
            let t = Cycle(next() % 50), p = Int32(next() % 3)
            queue.schedule(i, at: t, priority: p)
            reference.append((t, p, i))
        }
        let expected = reference.enumerated().sorted { a, b in
            (a.element.0, a.element.1, a.offset) < (b.element.0, b.element.1, b.offset)
        }.map { $0.element.2 }
        var got: [Int] = []
        while let e = queue.popNext() { got.append(e.payload) }
        #expect(got == expected)
    }

    struct Counter: EventDrivenModel {
        var log: [Cycle] = []
        mutating func handle(_ event: Int, at now: Cycle, queue: inout EventQueue<Int>) {
            log.append(now)
            if event > 0 { queue.schedule(event - 1, at: now + Cycle(event)) }
        }
    }

    /// A model that reschedules itself: times 0, 3, 5, 6 for the countdown 3, 2, 1, 0.
    @Test func simulatorDrivesModel() {
        var sim = Simulator(model: Counter())
        sim.schedule(3, at: 0)
        let end = sim.run()
        #expect(sim.model.log == [0, 3, 5, 6])
        #expect(end == 6)
        #expect(sim.eventsProcessed == 4)
    }
}

@Suite struct BoundedFIFOTests {
    @Test func wrapsAroundInOrder() {
        var fifo = BoundedFIFO(capacity: 3, filler: 0)
        fifo.push(1); fifo.push(2); fifo.push(3)
        #expect(fifo.isFull)
        #expect(fifo.pop() == 1)
        fifo.push(4)
        #expect(fifo[0] == 2 && fifo[1] == 3 && fifo[2] == 4)
        #expect([fifo.pop(), fifo.pop(), fifo.pop()] == [2, 3, 4])
        #expect(fifo.isEmpty && fifo.first == nil)
    }
}

@Suite struct StatisticsTests {
    /// Window [2, 9] holds 8 cycles: 5 busy + 1 blocked leaves 2 starved; 20 − 8 = 12 idle.
    @Test func activityFromWindow() {
        let a = UnitActivity.fromWindow(busy: 5, blocked: 1, windowStart: 2, lastBusy: 9, total: 20)
        #expect(a == UnitActivity(busy: 5, blocked: 1, starved: 2, idle: 12))
        #expect(a.total == 20)
        #expect(UnitActivity.fromWindow(busy: 0, blocked: 0, windowStart: 0, lastBusy: nil, total: 7) == UnitActivity(idle: 7))
    }

    @Test func occupancyMean() {
        var o = OccupancyStats()
        o.record(level: 2, cycles: 3)
        o.record(level: 5, cycles: 1)
        o.record(level: 0, cycles: 4)
        #expect(o.maximum == 5 && o.cycleSum == 11)
        #expect(o.mean(over: 8) == 11.0 / 8.0)
    }
}

@Suite struct ReplicatedUnitsTests {
    /// Unit 0 runs 5 + 7 = 12 cycles (preprocessing 1 + 2), unit 1 runs 12 (preprocessing 4): a tie goes to
    /// unit 0; unit 2 has no job.
    @Test func busiestUnitWithTies() {
        let r = ReplicatedUnits.critical(jobs: [(0, 5, 1), (1, 12, 4), (0, 7, 2)], units: 3)
        #expect(r.unit == 0 && r.cycles == 12 && r.preprocessing == 3)
        let s = ReplicatedUnits.critical(jobs: [(0, 5, 1), (1, 13, 4), (0, 7, 2)], units: 2)
        #expect(s.unit == 1 && s.cycles == 13 && s.preprocessing == 4)
    }
}
