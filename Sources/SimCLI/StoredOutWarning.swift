import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// Warns on stderr about heads whose stored `out` disagrees with exact attention recomputed from q, k
/// and v (`StoredOutMismatch`; issue 19): one line per head, naming layer and head, at most `limit`
/// lines and then a count. The quality metrics already use the recomputed output.
func warnStoredOut(_ quality: QualityStatistics?, trace: String, console: Console, limit: Int = 8) {
    guard let mismatches = quality?.storedOutMismatches, !mismatches.isEmpty else { return }
    for m in mismatches.prefix(limit) {
        let deviation = m.largestDeviation.isFinite ? JSONValue.format(m.largestDeviation) : "NaN or ±∞"
        console.err("elsa-sim: warning: \(trace): layer \(m.layer) head \(m.head): the stored out disagrees with exact attention recomputed from q, k, v in \(m.rows) rows (largest deviation \(deviation); tolerance 1e-3 + 1e-2·|out|); quality uses the recomputed output\n")
    }
    if mismatches.count > limit {
        console.err("elsa-sim: warning: \(trace): \(mismatches.count - limit) more heads with a disagreeing stored out\n")
    }
}

/// Query-key pairs above which a command says, before it starts, that the work is large (about a
/// minute of release-build simulation per 4e9 pairs on one core, docs/performance.md).
let hugeWorkPairs = 4e9

/// Prints a one-line notice when `trace` holds more than `hugeWorkPairs` query-key pairs.
func warnIfHuge(_ trace: AttentionTrace, console: Console) {
    let pairs = trace.layers.reduce(0.0) { $0 + Double($1.q.heads) * Double(trace.tokens) * Double(trace.tokens) }
    guard pairs > hugeWorkPairs else { return }
    console.err(String(format: "elsa-sim: note: this trace has %.3g query-key pairs; the run will take a while (Ctrl-C stops it)\n", pairs))
}
