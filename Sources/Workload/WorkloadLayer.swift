/// One entry of a workload file's `layers` list (`docs/workloads.md`): the attention shape of one layer,
/// the statistics its synthetic q, k, v should have, and how many consecutive identical layers it stands
/// for (`repeat`), as a SCALE-Sim topology file lists a network's layers by shape.
///
/// Statistics are those `SyntheticTraceGenerator` models (ELSA §3.1's concentrated attention): either a
/// `concentration` or a `targetKeys90` (solved by `SyntheticConcentrationSolver`), optionally a key-norm
/// spread target; none of them gives the generator's default concentration.
public struct WorkloadLayer: Sendable, Equatable {
    /// Sequence length including padding.
    public var n: Int
    /// Real tokens, `1 ... n` (the rest is padding); `nil` means `n`.
    public var tokens: Int?
    /// Query heads.
    public var heads: Int
    /// Key/value heads; divides `heads` (grouped-query attention when smaller).
    public var kvHeads: Int
    /// Head dimension `d`.
    public var headDim: Int
    public var causal: Bool
    /// Consecutive identical layers this entry stands for (≥ 1).
    public var repeatCount: Int
    /// The generator's concentration knob `c` (`nil`: the default, or solved from `targetKeys90`).
    public var concentration: Double?
    /// The mean share of the visible keys that covers 90 % of the softmax mass (`trace synth --target-keys90`).
    public var targetKeys90: Double?
    /// The mean per-head coefficient of variation of ‖k‖ (`trace synth --key-norm-spread`).
    public var keyNormSpread: Double?
    /// Topic clusters per key/value head.
    public var topics: Int

    public init(n: Int, tokens: Int? = nil, heads: Int, kvHeads: Int? = nil, headDim: Int, causal: Bool = false,
                repeatCount: Int = 1, concentration: Double? = nil, targetKeys90: Double? = nil,
                keyNormSpread: Double? = nil, topics: Int = SyntheticTraceGenerator.defaultTopics) {
        self.n = n
        self.tokens = tokens
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.headDim = headDim
        self.causal = causal
        self.repeatCount = repeatCount
        self.concentration = concentration
        self.targetKeys90 = targetKeys90
        self.keyNormSpread = keyNormSpread
        self.topics = topics
    }

    /// Real tokens (`tokens`, or `n`).
    public var realTokens: Int { tokens ?? n }

    /// Whether two entries give layers of the same shape (n, tokens, heads, kv heads, d, causal).
    public func sameShape(as other: WorkloadLayer) -> Bool {
        n == other.n && realTokens == other.realTokens && heads == other.heads && kvHeads == other.kvHeads
            && headDim == other.headDim && causal == other.causal
    }
}
