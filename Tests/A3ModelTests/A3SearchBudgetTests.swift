import Testing
@testable import A3Model

/// Issue 19: an A^3 iteration budget larger than the greedy search can use. Every iteration moves the
/// max pointer of some column (n·d entries in all) and, with the skip heuristic off, a min pointer too
/// (another n·d), so after exactly n·d iterations no pointer can move and the search must stop. Having
/// visited every entry once from each side, row r's greedy score is Σ_c max(q_c k_rc, 0) +
/// Σ_c min(q_c k_rc, 0) = q · k_r, so the candidates are exactly the rows with q · k_r > 0.
@Suite struct A3SearchBudgetTests {
    static let keys: [[Double]] = [[1, -2, 0.5], [-1, -1, -1], [3, 0.25, -2], [-0.5, 2, 1], [0.1, -0.3, 0.2]]
    static let query: [Double] = [0.7, -1.2, 0.4]

    @Test func hugeBudgetStopsWhenNoPointerCanMove() {
        let n = Self.keys.count, d = Self.query.count
        let sorted = A3SortedKeys(matrix: Self.keys.flatMap { $0 }, keys: n, columns: d)
        var scores = [Double](repeating: 0, count: n)
        let outcome = A3GreedySearch.search(query: Self.query, keys: sorted, visible: n, iterations: 1 << 30,
                                            skipMinHeuristic: false, scores: &scores)
        #expect(outcome.iterations == n * d)
        let dots = Self.keys.map { k in zip(k, Self.query).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(outcome.candidates == dots.indices.filter { dots[$0] > 0 })
    }

    /// With the skip heuristic on, a search whose running sum is negative once the max side is spent
    /// used to spin until the budget (2^30 iterations: a hang). Keys of negative products only: every
    /// max step adds nothing, S stays 0, then the min side runs... so also check a budget-bound case:
    /// the search never performs more than the 2·n·d iterations that can move a pointer.
    @Test func skipHeuristicCannotSpin() {
        // All products q_c·k_rc negative: the max side adds nothing, each min step makes S < 0, so the
        // min side is skipped for good after its first step and only max steps remain: n·d of them.
        let keys: [[Double]] = [[1, 2], [3, 4], [0.5, 0.25]]
        let query: [Double] = [-1, -2]
        let sorted = A3SortedKeys(matrix: keys.flatMap { $0 }, keys: 3, columns: 2)
        var scores = [Double](repeating: 0, count: 3)
        let outcome = A3GreedySearch.search(query: query, keys: sorted, visible: 3, iterations: 1 << 30,
                                            skipMinHeuristic: true, scores: &scores)
        #expect(outcome.iterations == 3 * 2)
        #expect(outcome.candidates.isEmpty)
    }
}
