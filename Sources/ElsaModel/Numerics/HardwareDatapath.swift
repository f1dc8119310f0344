#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Workload

/// One head invocation through ELSA's datapath in its own number formats (ELSA IV-C, IV-E;
/// `numerics.mode: elsa`, `docs/numerics.md`): what the hardware selects and the output rows it writes.
///
/// 1. Q, K, V are quantized to the Q/K/V fixed point (`FixedPointFormat`).
/// 2. Unless every key is a candidate (exact mode, `p = 0`, no threshold): keys and queries are hashed
///    in fixed point (`FixedPointHash`), key norms, `‖K_max‖`, `t` and the cosine table are integer
///    codes and each selector compares exactly (`FixedPointSelector`). `t` itself is learned in float
///    by software (ELSA III-E) and only quantized here.
/// 3. For every query and selected key, in key order within each key bank (`bank_mapping`): the score
///    `q·k` exactly in integers; the exponent unit's `e^(scale·q·k + b)` (`ExponentUnit`; the softmax scale
///    is folded into the unit's `log2 e` multiplier; `b` is the trace's additive bias, if any, held in the
///    Q/K/V fixed point); `sumexp += e` and `out += e · v` in the custom
///    float (`CustomFloatFormat`). No maximum is subtracted (ELSA Fig. 8).
/// 4. The output division adds the banks' partial sums in bank order, takes `1/sumexp` from the
///    reciprocal table (`ReciprocalUnit`), multiplies, and writes the row in the output format.
public struct HardwareDatapath: Sendable {
    public let config: ElsaConfig
    public let qkv: FixedPointFormat
    public let float: CustomFloatFormat
    public let exponent: ExponentUnit
    public let reciprocal: ReciprocalUnit
    public let selector: FixedPointSelector
    /// `nil` when the config never hashes (exact mode) or the projection was not loaded.
    public let hash: FixedPointHash?
    let timing: TimingParameters

    public init(config: ElsaConfig, projection: HashProjection?) {
        self.config = config
        let n = config.numerics
        qkv = FixedPointFormat(integerBits: n.qkvIntegerBits, fractionBits: n.qkvFractionBits, rounding: n.rounding,
                               overflow: n.overflow)
        float = CustomFloatFormat(exponentBits: n.expExponentBits, fractionBits: n.expFractionBits, rounding: n.rounding)
        exponent = ExponentUnit(format: float, entries: n.expTableEntries)
        reciprocal = ReciprocalUnit(format: float, entries: n.reciprocalTableEntries)
        selector = FixedPointSelector(config: config)
        hash = config.isExact ? nil : projection.map { FixedPointHash(config: config, projection: $0) }
        timing = TimingParameters(config: config)
    }

    /// The quantized codes of rows `0 ..< rows` of `tensor`'s head `head`, `tensor.dim` per row.
    public func codes(_ tensor: Tensor3, head: Int, rows: Int) -> ContiguousArray<Int64> {
        var out = ContiguousArray<Int64>(repeating: 0, count: rows * tensor.dim)
        for r in 0 ..< rows {
            let start = tensor.offset(head: head, row: r)
            for c in 0 ..< tensor.dim { out[r * tensor.dim + c] = qkv.quantize(Double(tensor.storage[start + c])) }
        }
        return out
    }

    /// The hardware's candidates of one head (step 2 alone) and `t` as held.
    public func select(trace: AttentionTrace, layer layerIndex: Int, queryHead: Int, threshold: Double?) -> (SelectionMatrix, Double?) {
        let layer = trace.layers[layerIndex]
        let kvHead = layer.kvHead(forQueryHead: queryHead)
        return select(trace: trace, queryCodes: codes(layer.q, head: queryHead, rows: trace.tokens),
                      keyCodes: codes(layer.k, head: kvHead, rows: trace.tokens), dim: layer.q.dim, threshold: threshold)
    }

    func select(trace: AttentionTrace, queryCodes q: ContiguousArray<Int64>, keyCodes k: ContiguousArray<Int64>, dim d: Int,
                threshold: Double?) -> (SelectionMatrix, Double?) {
        let n = trace.tokens
        let visible = ContiguousArray((0 ..< n).lazy.map { trace.visibleKeys(query: $0) })
        guard let threshold, !config.isExact, let hash else { return (.all(keys: n, visible: visible), nil) }
        let keyHashes = KeyHashMemory(keys: n, wordsPerKey: (hash.bits + 63) >> 6,
                                      words: hash.signatures(codes: k, rows: n, rowStride: d, length: d))
        let queryHashes = hash.signatures(codes: q, rows: n, rowStride: d, length: d)
        let norms = selector.norms(codes: k, rows: n, stride: d, length: d, fractionBits: qkv.fractionBits)
        let tCode = selector.thresholdFormat.quantize(threshold)
        let selection = CandidateSelection.select(queryHashes: queryHashes, keyHashes: keyHashes,
                                                  limits: selector.limits(norms: norms, thresholdCode: tCode), visible: visible)
        return (selection, selector.thresholdFormat.value(tCode))
    }

    /// The hardware's selection and output rows of one head.
    public struct HeadOutput: Sendable {
        public var selection: SelectionMatrix
        /// `n × d_v` output values, row by row (the written row's values).
        public var rows: ContiguousArray<Double>
        /// `t` as held (`nil` when every key is a candidate).
        public var heldThreshold: Double?
    }

    /// Runs query head `queryHead` of layer number `layer`; `threshold` is the float `t` (`nil`: every
    /// visible key is a candidate).
    public func run(trace: AttentionTrace, layer layerIndex: Int, queryHead: Int, threshold: Double?) -> HeadOutput {
        let layer = trace.layers[layerIndex]
        let n = trace.tokens
        let kvHead = layer.kvHead(forQueryHead: queryHead)
        let d = layer.q.dim, dv = layer.v.dim
        let q = codes(layer.q, head: queryHead, rows: n)
        let k = codes(layer.k, head: kvHead, rows: n)
        let v = codes(layer.v, head: kvHead, rows: n)
        let (selection, held) = select(trace: trace, queryCodes: q, keyCodes: k, dim: d, threshold: threshold)

        // Attention and output division (steps 3, 4).
        let banks = config.attentionModules
        let bankOf = ContiguousArray((0 ..< n).lazy.map { self.timing.bank(ofKey: $0, keys: n).bank })
        // log2(e) · scale, applied to the exact score code with 2F fraction bits.
        let multiplier = scalbn(trace.scale / M_LN2, -2 * qkv.fractionBits)
        var sums = ContiguousArray<CustomFloat>(repeating: .zero, count: banks)
        var partial = ContiguousArray<CustomFloat>(repeating: .zero, count: banks * dv)
        var rows = ContiguousArray<Double>(repeating: 0, count: n * dv)
        let words = selection.wordsPerRow
        for i in 0 ..< n {
            for b in 0 ..< banks { sums[b] = .zero }
            for x in 0 ..< banks * dv { partial[x] = .zero }
            for w in 0 ..< words {
                var bits = selection.bits[i * words + w]
                while bits != 0 {
                    let y = w << 6 + bits.trailingZeroBitCount
                    bits &= bits - 1
                    var score: Int64 = 0
                    for c in 0 ..< d { score += q[i * d + c] * k[y * d + c] }
                    // A trace's additive score bias enters the exponent unit's input, held in the Q/K/V
                    // fixed point (assumed; docs/numerics.md §3): y = multiplier·score + log2(e)·bias.
                    var log2Input = Double(score) * multiplier
                    if let bias = layer.bias {
                        log2Input += qkv.value(qkv.quantize(Double(bias.storage[bias.offset(head: queryHead, row: i) + y]))) / M_LN2
                    }
                    let e = exponent.exp(log2Input: log2Input)
                    let b = bankOf[y]
                    sums[b] = float.add(sums[b], e)
                    for c in 0 ..< dv {
                        partial[b * dv + c] = float.add(partial[b * dv + c],
                                                        float.multiply(e, fixed: v[y * dv + c], codeFractionBits: qkv.fractionBits))
                    }
                }
            }
            var sum = sums[0]
            for b in 1 ..< banks { sum = float.add(sum, sums[b]) }
            let inverse = reciprocal.reciprocal(sum)
            for c in 0 ..< dv {
                var o = partial[c]
                for b in 1 ..< banks { o = float.add(o, partial[b * dv + c]) }
                let scaled = float.multiply(o, inverse)
                switch config.numerics.outputFormat {
                case .fixed: rows[i * dv + c] = qkv.value(float.toFixed(scaled, qkv))
                case .customFloat: rows[i * dv + c] = float.value(scaled)
                }
            }
        }
        return HeadOutput(selection: selection, rows: rows, heldThreshold: held)
    }
}

extension KeyHashMemory {
    /// A key hash memory holding signatures computed elsewhere (the fixed-point hash).
    init(keys: Int, wordsPerKey: Int, words: ContiguousArray<UInt64>) {
        precondition(words.count == keys * wordsPerKey, "\(words.count) words for \(keys) keys × \(wordsPerKey)")
        self.keys = keys
        self.wordsPerKey = wordsPerKey
        self.words = words
    }
}
