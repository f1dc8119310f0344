/// One self-attention layer of a trace: per-head queries, keys, values and (optionally) the exact output.
///
/// `q` is `[queryHeads, n, headDim]`; `k` and `v` are `[kvHeads, n, headDim]` with `queryHeads` a multiple of
/// `kvHeads` (grouped-query attention); `out`, when present, is `[queryHeads, n, headDim]`.
///
/// `bias`, when present, is an additive attention bias `[queryHeads, n, n]` (element `(h, i, j)` is added
/// to the scaled score of query `i` and key `j` of head `h`: scores are `q·kᵀ·scale + bias`, as in models
/// with a relative position bias such as MPNet). Several layers may share one bias: `Tensor3`'s storage
/// is copy-on-write, so assigning the same value to every layer keeps one copy in memory.
public struct AttentionLayer: Sendable, Equatable {
    public var name: String
    public var q: Tensor3
    public var k: Tensor3
    public var v: Tensor3
    public var out: Tensor3?
    /// Additive score bias `[queryHeads, n, n]` in softmax units (added after the scale), or `nil`.
    public var bias: Tensor3?

    public init(name: String, q: Tensor3, k: Tensor3, v: Tensor3, out: Tensor3? = nil, bias: Tensor3? = nil) {
        self.name = name
        self.q = q
        self.k = k
        self.v = v
        self.out = out
        self.bias = bias
    }

    /// Key/value head used by query head `queryHead` (`h / (heads_q / heads_kv)`, as in the trace format).
    @inlinable
    public func kvHead(forQueryHead queryHead: Int) -> Int {
        queryHead / (q.heads / k.heads)
    }
}

/// The self-attention inputs of one input sequence, layer by layer: the in-memory form of an
/// `elsa-trace/1` directory (`docs/trace-format.md`).
///
/// Positions `tokens ..< n` are padding: they are neither queries nor keys and are excluded from every
/// count. With `causal`, query `i` attends keys `0 ... i` only.
public struct AttentionTrace: Sendable, Equatable {
    /// Where the tensors came from (`trace.json` field `model`).
    public var model: String
    public var description: String?
    /// Softmax scale applied to `q · k`; the format's default is `1 / sqrt(headDim)`.
    public var scale: Double
    public var causal: Bool
    /// Number of real (non-padding) tokens, `1 ... n`.
    public var tokens: Int
    public var layers: [AttentionLayer]

    public init(model: String, description: String? = nil, scale: Double? = nil, causal: Bool = false,
                tokens: Int? = nil, layers: [AttentionLayer]) {
        precondition(!layers.isEmpty, "a trace has at least one layer")
        self.model = model
        self.description = description
        self.scale = scale ?? 1.0 / Double(layers[0].q.dim).squareRoot()
        self.causal = causal
        self.tokens = tokens ?? layers[0].q.rows
        self.layers = layers
    }

    /// Sequence length including padding (every layer has the same n).
    public var n: Int { layers[0].q.rows }
    public var headDim: Int { layers[0].q.dim }
    public var queryHeads: Int { layers[0].q.heads }
    public var kvHeads: Int { layers[0].k.heads }

    /// Whether any layer carries an additive score bias.
    public var hasBias: Bool { layers.contains { $0.bias != nil } }

    /// Number of keys query `query` may attend: the real tokens, cut to a prefix under `causal`.
    @inlinable
    public func visibleKeys(query: Int) -> Int {
        causal ? min(query + 1, tokens) : tokens
    }
}
