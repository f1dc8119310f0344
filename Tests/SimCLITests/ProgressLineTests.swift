import Testing
import Foundation
@testable import SimCLI
import SimStudies

/// Issue 13 part 5: compare, quality and trace synth show progress on stderr when progress is on (a
/// terminal; here a capturing console that keeps it), none with --quiet; run's head counts increase.
@Suite struct ProgressLineTests {
    static func run(_ arguments: [String]) -> (code: Int32, err: String) {
        let console = Console.capturing(progress: true)
        let code = runMain(arguments, console: console)
        return (code, console.standardError)
    }

    /// The counts "k/N" of every progress line matching `prefix`, in order.
    static func counts(_ err: String, after prefix: String) -> [Int] {
        err.components(separatedBy: "\u{1B}[2K").compactMap { line -> Int? in
            guard let range = line.range(of: prefix) else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
    }

    @Test func compareQualityAndSynthShowProgressAndQuietHidesIt() throws {
        let dir = SweepTestSupport.temporaryDirectory("progress")
        let trace = SweepTestSupport.shippedSlice, config = SweepTestSupport.paperConfig
        let commands: [(args: [String], marker: String)] = [
            (["compare", "--config", config, "--trace", trace, "--set", "approximation.p=1,2"], "compare: "),
            (["quality", "--config", config, "--trace", trace, "--p", "1,2"], "p = "),
            (["trace", "synth", "--layers", "2", "--heads", "1", "--n", "8", "--head-dim", "8", "--seed", "1", "--no-out",
              "-o", dir + "/synth"], "generating layer "),
        ]
        for (args, marker) in commands {
            let shown = Self.run(args)
            #expect(shown.code == 0, "\(shown.err)")
            #expect(shown.err.contains("\u{1B}[2K" + marker), "\(args[0]): \(shown.err)")
            let quiet = Self.run(args + ["--quiet"])
            #expect(!quiet.err.contains("\u{1B}[2K"), "\(args[0]) --quiet: \(quiet.err)")
        }
        // Without a progress console (stderr not a terminal), nothing.
        let plain = SweepTestSupport.run(commands[0].args)
        #expect(plain.code == 0 && !plain.err.contains("\u{1B}[2K"))
    }

    @Test func runHeadCountsIncrease() {
        let r = Self.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedTrace,
                          "--threads", "4", "--no-quality"])
        #expect(r.code == 0)
        let counts = Self.counts(r.err, after: "simulating: ")
        #expect(counts == Array(1 ... 72))
    }

    /// The sweep's point counts too (they were reported outside the lock that counted them, so two
    /// workers could print "3/12" before "2/12").
    @Test func sweepPointCountsIncrease() {
        let out = SweepTestSupport.temporaryDirectory("progress-sweep") + "/s"
        let r = Self.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedSlice,
                          "--set", "attention_modules=1,2,4", "--set", "approximation.p=0.5,1,2,4", "--out", out, "--threads", "4"])
        #expect(r.code == 0, "\(r.err)")
        #expect(Self.counts(r.err, after: "sweep: ") == Array(1 ... 12))
    }

    /// The runner's bookkeeping itself: 8 workers finishing 400 points, each report taking a little while
    /// (as a terminal write does); reports made under the lock arrive as 1, 2, …, 400.
    @Test func sweepRunnerReportsCountsInOrder() throws {
        let state = RunnerState(count: 400)
        let row = try SweepRow(line: #"{"index": 0, "config_hash": "c", "trace_hash": "t"}"#, file: "(test)", lineNumber: 1)
        let seen = SeenCounts()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            while let slot = state.next() {
                state.finish(row, at: slot) { done in
                    if (done + worker) % 7 == 0 { usleep(200) }
                    seen.append(done)
                }
            }
        }
        #expect(seen.values == Array(1 ... 400))
    }
}

private final class SeenCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int] = []
    func append(_ v: Int) { lock.withLock { list.append(v) } }
    var values: [Int] { lock.withLock { list } }
}
