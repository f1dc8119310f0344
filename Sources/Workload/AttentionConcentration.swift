// How concentrated softmax attention is: the statistic behind ELSA's premise that a small fraction of
// keys carries most of the softmax mass (ELSA paper §3.1), used to check synthetic traces.

/// The smallest number of keys whose largest probabilities sum to at least `mass`.
///
/// - Parameters:
///   - probabilities: a softmax distribution (non-negative, summing to 1).
///   - mass: the fraction of the total to cover, in `0 ... 1`.
/// - Returns: a count in `0 ... probabilities.count` (0 only for an empty distribution or `mass <= 0`).
/// - Complexity: O(k log k) for k probabilities.
public func keysForMass(_ probabilities: [Double], mass: Double) -> Int {
    precondition(mass >= 0 && mass <= 1, "mass \(mass) not in 0...1")
    guard mass > 0 else { return 0 }
    let total = probabilities.reduce(0, +)
    var covered = 0.0
    for (index, p) in probabilities.sorted(by: >).enumerated() {
        covered += p
        if covered >= mass * total { return index + 1 }
    }
    return probabilities.count
}

/// Mean, over every layer, query head and real (non-padding) query of `trace`, of the minimal number
/// of keys whose exact softmax mass is at least 90 %.
///
/// Lower means more concentrated attention; plain Gaussian q and k with `head_dim` 64 need roughly
/// 60–70 % of the visible keys.
/// - Complexity: O(layers · heads · tokens² · headDim).
public func keysFor90PercentMass(trace: AttentionTrace) -> Double {
    var sum = 0.0
    var queries = 0
    for layer in trace.layers {
        for head in 0 ..< layer.q.heads {
            for query in 0 ..< trace.tokens {
                let p = exactAttentionProbabilities(layer: layer, queryHead: head, query: query,
                                                    scale: trace.scale, causal: trace.causal, tokens: trace.tokens)
                sum += Double(keysForMass(p, mass: 0.9))
                queries += 1
            }
        }
    }
    return queries == 0 ? 0 : sum / Double(queries)
}
