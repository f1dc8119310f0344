import Testing
import SimCore
import Workload
@testable import A3Model

/// The A^3 pipeline against the paper's figures (A^3 §III-C) and against a plain cycle-stepped loop.
@Suite struct A3PipelineTests {
    /// Base A^3: three modules taking n + 9, n + 9 and n + 7 + 2 cycles (paper: output = 7-cycle
    /// division + 2-cycle MAC; the other two follow from latency 3n + 27 and period n + 9, docs/a3.md
    /// §2). One query alone: the three occupancies in sequence, (n+9)+(n+9)+(n+9) = 3n + 27. A stream of
    /// equal queries: the slowest module sets the period, max(n+9, n+9, n+9) = n + 9.
    @Test(arguments: [1, 2, 3, 7, 16, 31, 64, 100, 128, 200, 255, 320, 511, 512, 1000])
    func baseLatencyAndThroughputMatchThePaper(n: Int) {
        let rules = A3TimingRules(config: A3Config())
        let queries = 6
        let timing = A3Pipeline.simulate(stages: rules.stages,
                                         durations: rules.durations(Array(repeating: .exact(visible: n), count: queries)))
        #expect(rules.stages == [.dotProduct, .exponent, .output])
        #expect(timing.latency(query: 0) == Cycle(3 * n + 27))
        for i in 1 ..< queries {
            #expect(timing.completions[i] - timing.completions[i - 1] == Cycle(n + 9))
            #expect(timing.entries[i] - timing.entries[i - 1] == Cycle(n + 9))
        }
        // Q queries: the first after 3n + 27, then one every n + 9.
        #expect(timing.cycles == Cycle(3 * n + 27 + (queries - 1) * (n + 9)))
        #expect(timing.inFlight.maximum == 3)
        // Every module busy Q·(n+9) cycles; nothing ever blocks (equal occupancies).
        for a in timing.activity {
            #expect(a.busy == Cycle(queries * (n + 9)))
            #expect(a.blocked == 0)
            #expect(a.total == timing.cycles)
        }
    }

    /// Approximate A^3, one query worked out by hand with the defaults (init 4, c = 4, scan 16, post-scoring
    /// 16 per cycle, α = 9/9/9): v = 128, M = 64, C = 40, K = 10.
    /// CS 4 + 64 + 4 = 72; DP max(40, ⌈128/16⌉) + 9 = 49; EXP ⌈40/16⌉ + 10 + 9 = 22; OUT 10 + 9 = 19.
    /// Latency 72 + 49 + 22 + 19 = 162 = M + C + K + K + α with α = 38. Equal queries: one per 72 = M + 8.
    @Test func approximateQueryByHand() {
        var config = A3Config()
        config.approximation.enabled = true
        let rules = A3TimingRules(config: config)
        let work = A3QueryWork(visible: 128, iterations: 64, candidates: 40, kept: 10)
        #expect(rules.stages.map { rules.duration($0, work) } == [72, 49, 22, 19])
        let timing = A3Pipeline.simulate(stages: rules.stages, durations: rules.durations(Array(repeating: work, count: 5)))
        #expect(timing.latency(query: 0) == 162)
        #expect(timing.cycles == 162 + 4 * 72)
        // With few candidates the scan bounds the dot-product module: max(3, 128/16) + 9 = 17.
        #expect(rules.duration(.dotProduct, A3QueryWork(visible: 128, iterations: 64, candidates: 3, kept: 1)) == 17)
    }

    /// A slow last module makes the earlier ones block (no buffer between modules): durations
    /// [1, 1, 5] for 3 queries. Q0: m0 0–1, m1 1–2, m2 2–7. Q1: m0 1–2, m1 2–3 then blocked until m2
    /// frees at 7; Q2: m0 2–3 blocked until m1 frees at 7, m1 7–8 blocked until 12, m2 12–17.
    @Test func blockingByHand() {
        let timing = A3Pipeline.simulate(stages: [.dotProduct, .exponent, .output],
                                         durations: [[1, 1, 1], [1, 1, 1], [5, 5, 5]])
        #expect(timing.completions == [7, 12, 17])
        #expect(timing.entries == [0, 1, 2])
        #expect(timing.activity[1].blocked == 4 + 4)
        #expect(timing.activity[0].blocked == 4)
        #expect(timing.cycles == 17)
    }

    /// 300 seeded random pipelines (2–4 modules, 0–12 queries, durations 0–20 including zero-length
    /// work) against the plain cycle-stepped loop below: entries, completions, busy and blocked agree.
    @Test func eventModelMatchesCycleSteppedLoop() {
        var rng = SeededGenerator(seed: 0xA3)
        for _ in 0 ..< 300 {
            let stages = Int.random(in: 2 ... 4, using: &rng)
            let queries = Int.random(in: 0 ... 12, using: &rng)
            let durations = (0 ..< stages).map { _ in (0 ..< queries).map { _ in Int64.random(in: 0 ... 20, using: &rng) } }
            let kinds = Array(A3Stage.allCases.prefix(stages))
            let event = A3Pipeline.simulate(stages: kinds, durations: durations)
            let stepped = CycleSteppedPipeline.run(durations)
            #expect(event.entries == stepped.entries)
            #expect(event.completions == stepped.completions)
            #expect(event.activity.map(\.busy) == stepped.busy)
            #expect(event.activity.map(\.blocked) == stepped.blocked)
            #expect(event.activity.allSatisfy { $0.total == event.cycles })
        }
    }

    /// Random A^3 work (v, M, C, K) on random configs: the timing rules as `docs/a3.md` §3 writes them,
    /// recomputed here, fed to the cycle-stepped loop, against the event model fed by `A3TimingRules`.
    @Test func randomA3WorkMatchesCycleSteppedLoop() {
        var rng = SeededGenerator(seed: 0x5EED_A3)
        for _ in 0 ..< 200 {
            var config = A3Config()
            config.approximation.enabled = Bool.random(using: &rng)
            config.pipeline.dotProductOverhead = Int.random(in: 0 ... 12, using: &rng)
            config.pipeline.exponentOverhead = Int.random(in: 0 ... 12, using: &rng)
            config.pipeline.divisionLatency = Int.random(in: 0 ... 8, using: &rng)
            config.pipeline.macLatency = Int.random(in: 0 ... 3, using: &rng)
            config.candidateSelection.initCycles = Int.random(in: 0 ... 6, using: &rng)
            config.candidateSelection.loopLatency = Int.random(in: 0 ... 6, using: &rng)
            config.candidateSelection.scanWidth = Int.random(in: 1 ... 32, using: &rng)
            config.postScoring.entriesPerCycle = Int.random(in: 1 ... 32, using: &rng)
            let queries = Int.random(in: 1 ... 10, using: &rng)
            var work: [A3QueryWork] = []
            for _ in 0 ..< queries {
                let v = Int.random(in: 1 ... 200, using: &rng)
                let m = Int.random(in: 0 ... v, using: &rng), c = Int.random(in: 0 ... v, using: &rng)
                work.append(config.approximation.enabled
                    ? A3QueryWork(visible: v, iterations: m, candidates: c, kept: Int.random(in: 0 ... c, using: &rng))
                    : .exact(visible: v))
            }
            // docs/a3.md §3, written out again.
            let p = config.pipeline, cs = config.candidateSelection
            func up(_ a: Int, _ b: Int) -> Int { a / b + (a % b == 0 ? 0 : 1) }
            let durations: [[Int64]] = config.approximation.enabled
                ? [work.map { Int64(cs.initCycles + $0.iterations + cs.loopLatency) },
                   work.map { Int64(max($0.candidates, up($0.visible, cs.scanWidth)) + p.dotProductOverhead) },
                   work.map { Int64(up($0.candidates, config.postScoring.entriesPerCycle) + $0.kept + p.exponentOverhead) },
                   work.map { Int64($0.kept + p.divisionLatency + p.macLatency) }]
                : [work.map { Int64($0.visible + p.dotProductOverhead) },
                   work.map { Int64($0.visible + p.exponentOverhead) },
                   work.map { Int64($0.visible + p.divisionLatency + p.macLatency) }]
            let rules = A3TimingRules(config: config)
            let event = A3Pipeline.simulate(stages: rules.stages, durations: rules.durations(work))
            let stepped = CycleSteppedPipeline.run(durations)
            #expect(event.completions == stepped.completions)
            #expect(event.activity.map(\.busy) == stepped.busy)
            #expect(event.activity.map(\.blocked) == stepped.blocked)
        }
    }
}

/// A deliberately plain cycle-by-cycle model of a chain of modules without buffers, written from
/// `docs/a3.md` §3 only: at the start of each cycle, finished queries move (last module first, repeated
/// until nothing moves, so zero-length work passes through), the first module admits the next query;
/// then each module holding a query works one cycle (busy) or waits for the next module (blocked).
enum CycleSteppedPipeline {
    static func run(_ durations: [[Int64]]) -> (entries: [Int64], completions: [Int64], busy: [Int64], blocked: [Int64]) {
        let s = durations.count, q = durations[0].count
        var holder = [Int](repeating: -1, count: s), remaining = [Int64](repeating: 0, count: s)
        var entries = [Int64](repeating: 0, count: q), completions = [Int64](repeating: 0, count: q)
        var busy = [Int64](repeating: 0, count: s), blocked = [Int64](repeating: 0, count: s)
        var next = 0, done = 0
        var t: Int64 = 0
        while done < q {
            var moved = true
            while moved {
                moved = false
                for m in stride(from: s - 1, through: 0, by: -1) where holder[m] >= 0 && remaining[m] == 0 {
                    if m == s - 1 {
                        completions[holder[m]] = t; holder[m] = -1; done += 1; moved = true
                    } else if holder[m + 1] < 0 {
                        holder[m + 1] = holder[m]; remaining[m + 1] = durations[m + 1][holder[m]]; holder[m] = -1; moved = true
                    }
                }
                if holder[0] < 0 && next < q {
                    holder[0] = next; remaining[0] = durations[0][next]; entries[next] = t; next += 1; moved = true
                }
            }
            for m in 0 ..< s where holder[m] >= 0 {
                if remaining[m] > 0 { remaining[m] -= 1; busy[m] += 1 } else { blocked[m] += 1 }
            }
            t += 1
        }
        return (entries, completions, busy, blocked)
    }
}
