import Foundation

/// Generates synthetic `elsa-trace/1` workloads whose attention is concentrated like a trained model's:
/// a fraction of the keys carries most of the softmax mass (the premise of the ELSA paper, §3.1).
///
/// ## Model
/// With concentration `c ≥ 0`, topic weight `λ = √c`, key-norm spread `σ = 0.1 c` and query temperature
/// `τ = 1 + 0.25 c`, for every layer and key/value head:
/// - `topics` topic means `μ_t ~ N(0, d^(-1/2) I_d)` (so `μ·μ / √d ≈ 1` whatever `d`);
/// - key `j`: a uniform topic `t_j`, `z_j ~ N(0, 1)`, `g_j ~ N(0, I_d)`, and
///   `k_j = exp(σ z_j) · (g_j + λ μ_{t_j})` (a log-normal norm factor);
/// - value `j`: `v_j ~ N(0, I_d)`;
///
/// and for every query head (using the means of its key/value head), query `i`: a uniform topic `t_i`,
/// `e_i ~ N(0, I_d)`, `q_i = τ (e_i + λ μ_{t_i})`.
///
/// A scaled score `q·k/√d` is then about `τ e^{σz} (N(0, 1) + λ²)` for a key of the query's topic and
/// `τ e^{σz} N(0, 1)` otherwise, independent of `d`. `c = 0` gives plain Gaussian q and k (the flattest
/// case); larger `c` favours the query's topic and, within it, the keys of largest norm, so fewer keys
/// cover 90 % of the softmax mass (`keysFor90PercentMass`). Measured at n = 128, 8 topics, d = 16 or 64:
/// the mean share of keys covering 90 % is about 62 % at `c = 0`, 40 % at 1, 15 % at 2 (the default),
/// 2 % at 4 and a single key from 8 on. Calibrating `c` to a target share is left to callers.
///
/// Padding rows (`tokens ..< n`) are drawn like the others (padding tokens have embeddings too) and their
/// `out` rows are zero. Every (layer, head) draws from its own `SeededGenerator` whose seed is derived from
/// `seed`, the layer, the head and the stream, so the result depends on nothing but the parameters.
public struct SyntheticTraceGenerator: Sendable {
    /// The default concentration: a moderately concentrated workload.
    public static let defaultConcentration = 2.0
    /// The default number of topic clusters per key/value head.
    public static let defaultTopics = 8
    /// `λ² = topicGain · c`.
    static let topicGain = 1.0
    /// `σ = normSpread · c`.
    static let normSpread = 0.1
    /// `τ = 1 + temperatureGain · c`.
    static let temperatureGain = 0.25

    public var layers: Int
    /// Query heads.
    public var heads: Int
    /// Key/value heads; divides `heads` (grouped-query attention when smaller).
    public var kvHeads: Int
    /// Sequence length including padding.
    public var n: Int
    public var headDim: Int
    public var seed: UInt64
    /// Real tokens, `1 ... n`; positions `tokens ..< n` are padding.
    public var tokens: Int
    public var causal: Bool
    /// The concentration knob `c ≥ 0` (see the type's documentation); 0 = plain Gaussian q and k.
    public var concentration: Double
    /// Topic clusters per key/value head.
    public var topics: Int
    /// The trace's `model` field.
    public var model: String

    public init(layers: Int = 1, heads: Int, kvHeads: Int? = nil, n: Int, headDim: Int, seed: UInt64,
                tokens: Int? = nil, causal: Bool = false,
                concentration: Double = SyntheticTraceGenerator.defaultConcentration,
                topics: Int = SyntheticTraceGenerator.defaultTopics, model: String = "synthetic") {
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.n = n
        self.headDim = headDim
        self.seed = seed
        self.tokens = tokens ?? n
        self.causal = causal
        self.concentration = concentration
        self.topics = topics
        self.model = model
    }

    /// The trace for these parameters, with each layer's exact `out`.
    ///
    /// Deterministic: the same parameters give bit-identical traces.
    /// - Complexity: O(layers · heads · tokens² · headDim) for `out`.
    public func generate() -> AttentionTrace {
        precondition(layers >= 1, "layers \(layers) < 1")
        precondition(heads >= 1 && kvHeads >= 1 && heads % kvHeads == 0,
                     "kv heads \(kvHeads) must be >= 1 and divide heads \(heads)")
        precondition(n >= 1 && headDim >= 1, "n \(n) and head dim \(headDim) must be >= 1")
        precondition(tokens >= 1 && tokens <= n, "tokens \(tokens) not in 1...\(n)")
        precondition(concentration >= 0 && concentration.isFinite, "concentration \(concentration) must be finite and >= 0")
        precondition(topics >= 1, "topics \(topics) < 1")

        let c = concentration
        let topicWeight = (Self.topicGain * c).squareRoot()        // λ
        let sigma = Self.normSpread * c                            // σ
        let temperature = 1 + Self.temperatureGain * c             // τ
        let meanScale = 1 / Double(headDim).squareRoot().squareRoot() // μ ~ N(0, d^-1/2 I)
        let scale = 1 / Double(headDim).squareRoot()
        let d = headDim

        var result: [AttentionLayer] = []
        result.reserveCapacity(layers)
        for layerIndex in 0 ..< layers {
            var k = Tensor3(heads: kvHeads, rows: n, dim: d)
            var v = Tensor3(heads: kvHeads, rows: n, dim: d)
            var q = Tensor3(heads: heads, rows: n, dim: d)
            var means: [[Double]] = []
            for kvHead in 0 ..< kvHeads {
                var g = SeededGenerator(seed: Self.subSeed(seed, layer: layerIndex, head: kvHead, stream: 0))
                let mu = (0 ..< topics).map { _ in (0 ..< d).map { _ in meanScale * g.nextGaussian() } }
                means.append(contentsOf: mu)
                for row in 0 ..< n {
                    let topic = Int(g.next() % UInt64(topics))
                    let norm = exp(sigma * g.nextGaussian())
                    let base = k.offset(head: kvHead, row: row)
                    for col in 0 ..< d {
                        k.storage[base + col] = Float(norm * (g.nextGaussian() + topicWeight * mu[topic][col]))
                    }
                }
                var gv = SeededGenerator(seed: Self.subSeed(seed, layer: layerIndex, head: kvHead, stream: 2))
                for index in v.storage.indices { v.storage[index] = Float(gv.nextGaussian()) }
            }
            let group = heads / kvHeads
            for head in 0 ..< heads {
                var g = SeededGenerator(seed: Self.subSeed(seed, layer: layerIndex, head: head, stream: 1))
                let meansBase = (head / group) * topics
                for row in 0 ..< n {
                    let topic = Int(g.next() % UInt64(topics))
                    let mu = means[meansBase + topic]
                    let base = q.offset(head: head, row: row)
                    for col in 0 ..< d {
                        q.storage[base + col] = Float(temperature * (g.nextGaussian() + topicWeight * mu[col]))
                    }
                }
            }
            var layer = AttentionLayer(name: "layer\(layerIndex)", q: q, k: k, v: v)
            layer.out = exactAttentionOutput(layer: layer, scale: scale, causal: causal, tokens: tokens)
            result.append(layer)
        }
        return AttentionTrace(
            model: model,
            description: "SyntheticTraceGenerator seed=\(seed) concentration=\(concentration) topics=\(topics)",
            scale: scale, causal: causal, tokens: tokens, layers: result)
    }

    /// A seed for one (layer, head, stream), mixed from `seed` with the SplitMix64 finalizer so nearby
    /// indices give unrelated streams. Streams: 0 = topic means and keys, 1 = queries, 2 = values.
    public static func subSeed(_ seed: UInt64, layer: Int, head: Int, stream: UInt64) -> UInt64 {
        var h = mix(seed ^ 0x5EED_E15A_0000_0001)
        h = mix(h ^ UInt64(truncatingIfNeeded: layer) &* 0x9E37_79B9_7F4A_7C15)
        h = mix(h ^ UInt64(truncatingIfNeeded: head) &* 0xC2B2_AE3D_27D4_EB4F)
        return mix(h ^ stream &* 0x1656_67B1_9E37_79F9)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
