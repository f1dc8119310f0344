/// The greedy candidate search of approximate A^3 (A^3 §IV-A, Algorithm 2 in its efficient form),
/// over the column-sorted keys (`docs/a3.md` §4.1).
///
/// For each column c the max pointer starts at the entry with the largest product `q_c · K[·, c]`
/// (the column's largest value when `q_c ≥ 0`, its smallest when `q_c < 0`) and the min pointer at the
/// entry with the smallest product; each pointer walks towards the other end. One iteration:
///
/// 1. **max step**: the column whose max-pointer product is largest (lowest column on ties; the maxQ
///    comparator tree) gives its entry; if the product is positive it is added to that row's greedy
///    score and to the running sum `S`; the pointer advances.
/// 2. **min step**: skipped when the skip heuristic is on and `S < 0` (read after step 1). Otherwise the column whose
///    min-pointer product is smallest (lowest column on ties) gives its entry; if the product is
///    negative it is added to the row's greedy score and to `S`; the pointer advances.
///
/// After `M` iterations (or when no pointer can move any more: both sides ran out of entries, or the
/// max side did and the skip heuristic holds the min side), the candidates are the visible rows
/// with a positive greedy score. Entries of rows the query may not see (causal traces) use their
/// iteration but add nothing.
public enum A3GreedySearch {
    /// The outcome for one query.
    public struct Outcome: Sendable, Equatable {
        /// Iterations performed (`≤ M` and `≤ 2·n·d`; fewer than M only when no pointer can move).
        public var iterations: Int
        /// Candidate rows, ascending.
        public var candidates: [Int]
    }

    /// Runs the search for `query` (length `keys.columns`) with budget `iterations`.
    ///
    /// - Parameters:
    ///   - visible: rows `0 ..< visible` may become candidates.
    ///   - scores: scratch of at least `keys.keys` entries (overwritten).
    /// - Complexity: O(M · d) (the two d-input comparator trees as linear scans) plus O(n).
    public static func search(query: [Double], keys: A3SortedKeys, visible: Int, iterations budget: Int,
                              skipMinHeuristic: Bool, scores: inout [Double]) -> Outcome {
        let d = keys.columns, n = keys.keys
        precondition(query.count == d, "query has \(query.count) components for \(d) columns")
        for r in 0 ..< n { scores[r] = 0 }
        // Pointer positions and their step: the max side walks from the largest product down.
        var maxPosition = [Int](repeating: 0, count: d), minPosition = [Int](repeating: 0, count: d)
        var maxStep = [Int](repeating: 0, count: d)
        for c in 0 ..< d {
            if query[c] >= 0 { maxPosition[c] = n - 1; minPosition[c] = 0; maxStep[c] = -1 }
            else { maxPosition[c] = 0; minPosition[c] = n - 1; maxStep[c] = 1 }
        }
        func inRange(_ p: Int) -> Bool { p >= 0 && p < n }
        var sum = 0.0
        var performed = 0
        while performed < budget {
            var best = -1, bestValue = 0.0
            for c in 0 ..< d where inRange(maxPosition[c]) {
                let product = query[c] * keys.values[c * n + maxPosition[c]]
                if best < 0 || product > bestValue { best = c; bestValue = product }
            }
            // Stop when no pointer can move: the max side is exhausted and the min side is either
            // exhausted too or skipped for good (S < 0 can no longer change without a max step).
            // Without this, a budget M larger than the 2·n·d entries would spin until M.
            if best < 0 && ((skipMinHeuristic && sum < 0) || !(0 ..< d).contains(where: { inRange(minPosition[$0]) })) { break }
            performed += 1
            if best >= 0 {
                let row = Int(keys.rows[best * n + maxPosition[best]])
                if bestValue > 0 && row < visible { scores[row] += bestValue; sum += bestValue }
                maxPosition[best] += maxStep[best]
            }
            // The skip heuristic reads S after this iteration's max step.
            if skipMinHeuristic && sum < 0 { continue }
            var lowest = -1, lowestValue = 0.0
            for c in 0 ..< d where inRange(minPosition[c]) {
                let product = query[c] * keys.values[c * n + minPosition[c]]
                if lowest < 0 || product < lowestValue { lowest = c; lowestValue = product }
            }
            if lowest >= 0 {
                let row = Int(keys.rows[lowest * n + minPosition[lowest]])
                if lowestValue < 0 && row < visible { scores[row] += lowestValue; sum += lowestValue }
                minPosition[lowest] -= maxStep[lowest]
            }
        }
        var candidates: [Int] = []
        for r in 0 ..< min(visible, n) where scores[r] > 0 { candidates.append(r) }
        return Outcome(iterations: performed, candidates: candidates)
    }
}
