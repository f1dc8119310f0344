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
/// `τ e^{σz} N(0, 1)` otherwise, independent of `d`. `c = 0` gives plain Gaussian q and k; larger `c`
/// favours the query's topic and, within it, the keys of largest norm, so fewer keys cover 90 % of the
/// softmax mass (`keysFor90PercentMass`). Measured at n = 128, 8 topics, d = 16 or 64: the mean share of
/// keys covering 90 % is about 62 % at `c = 0`, 40 % at 1, 15 % at 2 (the default), 2 % at 4 and a single
/// key from 8 on.
///
/// **Flatter than Gaussian.** `c` in `[−4, 0)` keeps `λ = σ = 0` and cools the queries, `τ = 1 + c/4 < 1`:
/// at `c = −4` every query is zero and attention is uniform (`⌈0.9 v⌉` of `v` keys cover 90 %). So every
/// share from uniform down to a single key is reachable; `SyntheticConcentrationSolver` finds the `c` for
/// a target share, and `keyNormSigma` (when set) replaces `σ = 0.1 max(c, 0)` to match a key-norm spread.
/// `layerConcentrations` gives each layer its own `c`.
///
/// Padding rows (`tokens ..< n`) are drawn like the others (padding tokens have embeddings too) and their
/// `out` rows are zero. Every (layer, head) draws from its own `SeededGenerator` whose seed is derived from
/// `seed`, the layer, the head and the stream, and every row from its stream in row order, so the result
/// depends on nothing but the parameters (not on the thread count), and fewer rows give a prefix of the
/// same rows. Cost: q, k, v take O(layers · heads · n · headDim) Gaussian draws (about 3 s for
/// 12 × 12 × 4096 × 64 in release); the exact `out` takes O(layers · heads · tokens² · headDim) (docs/traces.md).
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
    /// The concentration knob `c ≥ −4` (see the type's documentation); 0 = plain Gaussian q and k.
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

    /// The lowest concentration: `τ = 0`, all-zero queries, uniform attention.
    public static let minimumConcentration = -1 / temperatureGain

    /// Per-layer concentrations overriding `concentration` (one per layer), or `nil`.
    public var layerConcentrations: [Double]? = nil
    /// A key-norm spread `σ` overriding `normSpread · max(c, 0)` for every layer, or `nil`.
    public var keyNormSigma: Double? = nil
    /// An additive relative-position bias shared by every layer (`out` then includes it), or `nil`.
    /// The concentration solvers calibrate q·k alone; the bias changes the concentration afterwards.
    public var relativeBias: RelativePositionBias? = nil

    /// The bias every layer gets (`[heads, n, n]`), or `nil`.
    public func biasTensor() -> Tensor3? { relativeBias?.tensor(heads: heads, n: n) }

    /// The concentration of layer `layer`.
    public func concentration(layer: Int) -> Double { layerConcentrations?[layer] ?? concentration }

    /// The trace for these parameters, with each layer's exact `out` unless `withOutput` is false.
    ///
    /// Deterministic: the same parameters give bit-identical traces, whatever `threads`.
    /// - Complexity: O(layers · heads · n · headDim) for q, k, v; O(layers · heads · tokens² · headDim)
    ///   more for `out`.
    public func generate(withOutput: Bool = true, threads: Int = 1) -> AttentionTrace {
        checkParameters()
        let bias = biasTensor()
        let result = (0 ..< layers).map { generateLayer($0, withOutput: withOutput, threads: threads, bias: bias) }
        return AttentionTrace(model: model, description: traceDescription, scale: scale, causal: causal,
                              tokens: tokens, layers: result)
    }

    /// Layer `index` of `generate(withOutput:threads:)` on its own (to write a long trace layer by layer).
    ///
    /// - Parameter bias: `biasTensor()` computed once by the caller (so layers share one copy); `nil`
    ///   computes it here when `relativeBias` is set.
    public func generateLayer(_ index: Int, withOutput: Bool = true, threads: Int = 1,
                              bias: Tensor3? = nil) -> AttentionLayer {
        checkParameters()
        precondition(index >= 0 && index < layers, "layer \(index) not in 0..<\(layers)")
        var layer = drawLayer(index, rows: n, queryHeads: heads, concentration: concentration(layer: index),
                              threads: threads)
        if relativeBias != nil { layer.bias = bias ?? biasTensor() }
        if withOutput {
            layer.out = exactAttentionOutput(layer: layer, scale: scale, causal: causal, tokens: tokens,
                                             threads: threads)
        }
        return layer
    }

    /// The softmax scale of the generated traces, `1/√headDim`.
    public var scale: Double { 1 / Double(headDim).squareRoot() }

    /// The `description` field of the generated traces.
    public var traceDescription: String {
        var text = "SyntheticTraceGenerator seed=\(seed) "
        if let layerConcentrations {
            text += "concentrations=" + layerConcentrations.map { "\($0)" }.joined(separator: ",")
        } else {
            text += "concentration=\(concentration)"
        }
        text += " topics=\(topics)"
        if let keyNormSigma { text += " key_norm_sigma=\(keyNormSigma)" }
        if let b = relativeBias { text += " bias=relative buckets=\(b.buckets) max_distance=\(b.maxDistance) strength=\(b.strength)" }
        return text
    }

    private func checkParameters() {
        precondition(layers >= 1, "layers \(layers) < 1")
        precondition(heads >= 1 && kvHeads >= 1 && heads % kvHeads == 0,
                     "kv heads \(kvHeads) must be >= 1 and divide heads \(heads)")
        precondition(n >= 1 && headDim >= 1, "n \(n) and head dim \(headDim) must be >= 1")
        precondition(tokens >= 1 && tokens <= n, "tokens \(tokens) not in 1...\(n)")
        precondition(layerConcentrations == nil || layerConcentrations!.count == layers,
                     "\(layerConcentrations?.count ?? 0) layer concentrations for \(layers) layers")
        for c in layerConcentrations ?? [concentration] {
            precondition(c >= Self.minimumConcentration && c.isFinite,
                         "concentration \(c) must be finite and >= \(Self.minimumConcentration)")
        }
        precondition(keyNormSigma.map { $0 >= 0 && $0.isFinite } ?? true, "key norm sigma \(keyNormSigma!) must be >= 0")
        precondition(topics >= 1, "topics \(topics) < 1")
    }

    /// q, k, v of layer `layerIndex` for rows `0 ..< rows` and query heads `0 ..< queryHeads` (with the
    /// key/value heads they use). Each row draws only from its head's streams, in row order, so fewer rows
    /// or heads give exactly a prefix of the full layer: the probe `SyntheticConcentrationSolver` measures
    /// is part of the trace it calibrates.
    func drawLayer(_ layerIndex: Int, rows: Int, queryHeads: Int, concentration c: Double,
                   threads: Int = 1) -> AttentionLayer {
        let group = heads / kvHeads
        let usedKVHeads = (queryHeads + group - 1) / group
        let knobs = Knobs(self, concentration: c)
        let keyValues = ParallelSlots<(means: [[Double]], k: ContiguousArray<Float>, v: ContiguousArray<Float>)>
            .map(count: usedKVHeads, threads: threads) { kvHead in
                drawKeyValueHead(layerIndex, kvHead: kvHead, rows: rows, knobs: knobs)
            }
        let queries = ParallelSlots<ContiguousArray<Float>>.map(count: queryHeads, threads: threads) { head in
            drawQueryHead(layerIndex, head: head, rows: rows, means: keyValues[head / group].means, knobs: knobs)
        }
        let d = headDim
        func tensor(_ parts: [ContiguousArray<Float>]) -> Tensor3 {
            var storage = ContiguousArray<Float>()
            storage.reserveCapacity(parts.count * rows * d)
            for part in parts { storage.append(contentsOf: part) }
            return Tensor3(heads: parts.count, rows: rows, dim: d, storage: storage)
        }
        return AttentionLayer(name: "layer\(layerIndex)", q: tensor(queries), k: tensor(keyValues.map(\.k)),
                              v: tensor(keyValues.map(\.v)))
    }

    /// Query head `head` of layer `layerIndex` alone, with its key/value head: a layer of one query head
    /// and one key/value head whose q, k and v are exactly that head's slices of
    /// `generateLayer(layerIndex, withOutput: false)` (the same streams, drawn the same way). What a
    /// simulation that draws head by head holds: O(n · headDim) values instead of a whole layer.
    public func generateHead(layer layerIndex: Int, queryHead head: Int) -> AttentionLayer {
        checkParameters()
        precondition(layerIndex >= 0 && layerIndex < layers && head >= 0 && head < heads,
                     "layer \(layerIndex), head \(head) not in \(layers) × \(heads)")
        precondition(relativeBias == nil, "head-by-head drawing has no bias")
        let knobs = Knobs(self, concentration: concentration(layer: layerIndex))
        let kv = drawKeyValueHead(layerIndex, kvHead: head / (heads / kvHeads), rows: n, knobs: knobs)
        let q = drawQueryHead(layerIndex, head: head, rows: n, means: kv.means, knobs: knobs)
        func tensor(_ values: ContiguousArray<Float>) -> Tensor3 { Tensor3(heads: 1, rows: n, dim: headDim, storage: values) }
        return AttentionLayer(name: "layer\(layerIndex)", q: tensor(q), k: tensor(kv.k), v: tensor(kv.v))
    }

    /// λ, σ, τ and the topic-mean scale at concentration `c` (the type's documentation).
    struct Knobs: Sendable {
        var topicWeight: Double   // λ
        var sigma: Double         // σ
        var temperature: Double   // τ
        var meanScale: Double     // μ ~ N(0, d^-1/2 I)

        init(_ g: SyntheticTraceGenerator, concentration c: Double) {
            topicWeight = (SyntheticTraceGenerator.topicGain * max(c, 0)).squareRoot()
            sigma = g.keyNormSigma ?? SyntheticTraceGenerator.normSpread * max(c, 0)
            temperature = 1 + SyntheticTraceGenerator.temperatureGain * c
            meanScale = 1 / Double(g.headDim).squareRoot().squareRoot()
        }
    }

    /// Streams 0 (topic means, keys) and 2 (values) of one key/value head, rows `0 ..< rows`.
    func drawKeyValueHead(_ layerIndex: Int, kvHead: Int, rows: Int,
                          knobs: Knobs) -> (means: [[Double]], k: ContiguousArray<Float>, v: ContiguousArray<Float>) {
        let d = headDim
        var g = SeededGenerator(seed: Self.subSeed(seed, layer: layerIndex, head: kvHead, stream: 0))
        let mu = (0 ..< topics).map { _ in (0 ..< d).map { _ in knobs.meanScale * g.nextGaussian() } }
        var k = ContiguousArray<Float>(repeating: 0, count: rows * d)
        for row in 0 ..< rows {
            let topic = Int(g.next() % UInt64(topics))
            let norm = exp(knobs.sigma * g.nextGaussian())
            for col in 0 ..< d {
                k[row * d + col] = Float(norm * (g.nextGaussian() + knobs.topicWeight * mu[topic][col]))
            }
        }
        var gv = SeededGenerator(seed: Self.subSeed(seed, layer: layerIndex, head: kvHead, stream: 2))
        var v = ContiguousArray<Float>(repeating: 0, count: rows * d)
        for index in v.indices { v[index] = Float(gv.nextGaussian()) }
        return (mu, k, v)
    }

    /// Stream 1 of query head `head`, rows `0 ..< rows`, around its key/value head's topic `means`.
    func drawQueryHead(_ layerIndex: Int, head: Int, rows: Int, means: [[Double]], knobs: Knobs) -> ContiguousArray<Float> {
        let d = headDim
        var g = SeededGenerator(seed: Self.subSeed(seed, layer: layerIndex, head: head, stream: 1))
        var q = ContiguousArray<Float>(repeating: 0, count: rows * d)
        for row in 0 ..< rows {
            let topic = Int(g.next() % UInt64(topics))
            let mu = means[topic]
            for col in 0 ..< d {
                q[row * d + col] = Float(knobs.temperature * (g.nextGaussian() + knobs.topicWeight * mu[col]))
            }
        }
        return q
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
