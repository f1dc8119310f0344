import Workload

/// Orthonormal rows from Gaussian draws by modified Gram–Schmidt, the construction ELSA III-B uses for
/// its projection vectors (after Super-Bit LSH, Ji et al. 2012).
///
/// Draw order (part of the reproducibility contract, `docs/algorithm.md` §1): rows are drawn one after
/// another, each row's `columns` components in order, every component one `nextGaussian()` of the
/// generator passed in. A row whose residual after orthogonalization is shorter than `1e-9` times the
/// drawn vector (probability ~0 for Gaussian draws) is discarded and drawn again, so the result always
/// has exactly `rows` orthonormal rows.
public enum GramSchmidt {
    /// `rows` orthonormal rows of length `columns` (`rows ≤ columns`), row-major, from fresh draws of
    /// `generator`.
    ///
    /// - Complexity: O(rows² · columns).
    public static func orthonormalRows(rows: Int, columns: Int,
                                       generator: inout SeededGenerator) -> ContiguousArray<Double> {
        precondition(rows >= 0 && columns >= 1 && rows <= columns,
                     "modified Gram–Schmidt needs 0 ≤ rows ≤ columns, got \(rows) × \(columns)")
        var q = ContiguousArray<Double>(repeating: 0, count: rows * columns)
        var v = ContiguousArray<Double>(repeating: 0, count: columns)
        var i = 0
        while i < rows {
            var drawnNormSquared = 0.0
            for c in 0 ..< columns {
                v[c] = generator.nextGaussian()
                drawnNormSquared += v[c] * v[c]
            }
            // Modified Gram–Schmidt: subtract each earlier direction from the *updated* residual.
            for r in 0 ..< i {
                var dot = 0.0
                for c in 0 ..< columns { dot += v[c] * q[r * columns + c] }
                for c in 0 ..< columns { v[c] -= dot * q[r * columns + c] }
            }
            var normSquared = 0.0
            for c in 0 ..< columns { normSquared += v[c] * v[c] }
            let norm = normSquared.squareRoot()
            guard norm > 1e-9 * drawnNormSquared.squareRoot() else { continue }  // degenerate: redraw
            for c in 0 ..< columns { q[i * columns + c] = v[c] / norm }
            i += 1
        }
        return q
    }
}
