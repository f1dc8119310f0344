import Testing
import Foundation
@testable import SimCLI

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
}
