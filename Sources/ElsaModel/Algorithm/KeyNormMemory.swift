import Workload

/// The key norm memory of one head invocation (ELSA IV-C): `‖K_y‖` of the `n` real keys and their
/// maximum `‖K_max‖`, as the norm computation module produces them during preprocessing.
///
/// Precision: `‖K_y‖ = Float(sqrt(Σ_c Double(K_y[c])²))`, squares summed in Double in component order;
/// `‖K_max‖` is the largest of those Float norms (0 when there are no keys). The hardware's 8-bit
/// norm format is not modelled (`docs/algorithm.md` §2).
public struct KeyNormMemory: Sendable, Equatable {
    public let norms: ContiguousArray<Float>
    public let maxNorm: Float

    /// Norms of keys `0 ..< keys` of key head `head` of `k`.
    public init(k: Tensor3, head: Int, keys: Int) {
        precondition(head >= 0 && head < k.heads && keys >= 0 && keys <= k.rows,
                     "head \(head) / keys \(keys) outside tensor \(k.shape)")
        var norms = ContiguousArray<Float>(repeating: 0, count: keys)
        var maxNorm: Float = 0
        for y in 0 ..< keys {
            let start = k.offset(head: head, row: y)
            var sum = 0.0
            for c in 0 ..< k.dim {
                let x = Double(k.storage[start + c])
                sum += x * x
            }
            let norm = Float(sum.squareRoot())
            norms[y] = norm
            maxNorm = max(maxNorm, norm)
        }
        self.norms = norms
        self.maxNorm = maxNorm
    }

    public var keys: Int { norms.count }
}
