import Foundation
import A3Model
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// One A^3 simulation as the commands run it: config file (+ `--set`) → checked against the trace →
/// `A3Simulation` → `A3RunReport`, with the approximation quality of `docs/quality.md` §1 measured on
/// the kept keys by ELSA's `ApproximationQuality` (the same metric code for both accelerators).
enum A3Execution {
    /// Loads the A^3 config, or throws `ConfigError` naming the file and field.
    static func loadConfig(_ path: String, overrides: [(path: String, value: JSONValue)]) throws -> A3Config {
        try A3ConfigLoader.load(file: path, overrides: overrides)
    }

    /// Runs `config` on `trace`; `quality: false` skips the O(n²·d)-per-head metrics.
    static func run(config: A3Config, configPath: String, trace: AttentionTrace, tracePath: String, threads: Int,
                    quality: Bool, console: Console? = nil) throws -> A3RunReport {
        if let (path, message) = config.mismatch(headDim: trace.headDim, tokens: trace.tokens) {
            throw ConfigError.inFile(file: configPath, error: .inconsistent(path: path, message: message))
        }
        // Progress (a terminal only): heads finished, counted as the per-head callback returns.
        let progress = console.flatMap { $0.showsProgress ? HeadProgress(console: $0, total: trace.layers.reduce(0) { $0 + $1.q.heads }) : nil }
        let (result, measures) = A3Simulation.run(trace: trace, traceName: tracePath, config: config, threads: threads) { layer, head, selection in
            let measured = quality ? ApproximationQuality.measure(trace: trace, layer: layer, queryHead: head, selection: selectionMatrix(selection)) : nil
            progress?.finishOne()
            return measured
        }
        let stats: [[QualityStatistics]]? = quality ? measures.map { $0.map { $0! } } : nil
        return A3RunReport(result: result, quality: stats,
                           provenance: A3Provenance(simulatorVersion: BuildInfo.version, config: config, trace: trace))
    }

    /// The kept keys as ELSA's `SelectionMatrix` (same bit layout), for `ApproximationQuality`.
    static func selectionMatrix(_ s: A3HeadSelection) -> SelectionMatrix {
        var m = SelectionMatrix(keys: s.keys, visible: ContiguousArray(s.visible))
        precondition(m.wordsPerRow == s.wordsPerRow, "selection layouts differ")
        m.bits = ContiguousArray(s.bits)
        return m
    }
}

/// A thread-safe "simulating: k/N heads" progress line.
final class HeadProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let console: Console
    private let total: Int
    private var done = 0

    init(console: Console, total: Int) {
        self.console = console
        self.total = total
    }

    func finishOne() {
        lock.withLock {   // reported under the lock, so the counts appear in order
            done += 1
            console.progress("simulating (A^3): \(done)/\(total) heads", done: done == total)
        }
    }
}
