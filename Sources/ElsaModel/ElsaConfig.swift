/// The hardware and approximation configuration of one ELSA accelerator (ELSA §IV; digest §1.3, §5).
///
/// Every field is documented in `docs/config.md`, with the paper value or the word "assumed" and its
/// default. JSON decoding (unknown-field and type errors) lives in `SimIO`; range checks live here in
/// `validate()`, so a config built in code is checked the same way.
public struct ElsaConfig: Sendable, Equatable {
    /// Free-form name shown in reports.
    public var name: String = "elsa"
    /// Clock in GHz (ELSA V-C: 1 GHz). Only converts cycles to time in reports.
    public var clockGHz: Double = 1.0
    /// Head dimension `d` the hardware is built for (ELSA: 64). Traces with a smaller head dim are
    /// zero-padded; a larger one is an error.
    public var headDim: Int = 64
    public var hash = HashConfig()
    /// `Pa`: attention modules, one per key bank.
    public var attentionModules: Int = 4
    /// `Pc`: candidate selectors per attention module.
    public var selectorsPerModule: Int = 8
    public var selector = SelectorConfig()
    public var arbiter: ArbiterPolicy = .longestQueueFirst
    public var bankMapping: BankMapping = .contiguous
    public var attention = AttentionConfig()
    public var outputDivision = OutputDivisionConfig()
    public var norm = NormConfig()
    /// Pipeline-level choices (`pipeline.query_overlap`; `docs/model.md` §4 rule 1).
    public var pipeline = PipelineConfig()
    /// θ_bias in radians subtracted from the Hamming angle estimate (ELSA III-D: 0.127 for d = k = 64).
    public var thetaBias: Double = 0.127
    /// `value`: use `thetaBias`; `fit`: ELSA III-D's 80th-percentile rule at the config's d and k (`"fit"` in the JSON).
    public var thetaBiasRule: ThetaBiasRule = .value
    /// Keys the on-chip key memories hold (ELSA: n ≤ 512). A longer trace is an error unless `longSequences` is `.tile`.
    public var keyMemoryCapacity: Int = 512
    /// Sequences longer than `keyMemoryCapacity`: an error, or tiles of keys (`docs/model.md` §9).
    public var longSequences: LongSequences = .error
    public var tiling = TilingConfig()
    /// Whole accelerators working on one layer's heads in parallel.
    public var accelerators: Int = 1
    public var approximation = ApproximationConfig()
    /// Size of the `approximation.bias: lookup` hardware (assumed; `BiasPolicy.swift`).
    public var biasLookup = BiasLookupConfig()
    /// Area and power of each module at the synthesis point (ELSA Table I; `docs/energy.md`).
    public var energy = EnergyParameters()
    /// The number formats of the datapath (ELSA IV-E; `docs/numerics.md`); `mode: float` by default.
    public var numerics = NumericsConfig()

    public init() {}

    /// Every visible key is a candidate: `exact` mode (ELSA-base), or `learned` with `p = 0`, which the
    /// paper defines as exact attention (ELSA IV-E). No hashing and no preprocessing then.
    public var isExact: Bool {
        approximation.mode == .exact || (approximation.mode == .learned && approximation.p == 0)
    }
}

/// The hash computation module and the projection it applies (ELSA III-B, III-C, IV-C).
public struct HashConfig: Sendable, Equatable {
    /// `k`, hash bits per vector (ELSA: k = d = 64).
    public var bits: Int = 64
    public var projection: HashProjectionKind = .kronecker
    /// Sizes of the square orthogonal Kronecker factors; their product must be `head_dim` (ELSA: [4, 4, 4]).
    public var kroneckerFactors: [Int] = [4, 4, 4]
    /// Seed of the Gaussian draws that modified Gram–Schmidt orthogonalizes.
    public var seed: UInt64 = 1
    /// A `k × d` projection matrix in a `.npy` file (used when `projection` is `matrix-file`).
    public var matrixFile: String? = nil
    /// `m_h`: multipliers of the hash unit (ELSA: 256 with Pa = 4).
    public var multipliers: Int = 256
    /// How the preprocessing pass is timed (assumed default: whole cycles per vector).
    public var preprocessing: HashPreprocessing = .wholeCycles
    /// How a loaded (`matrix-file`) projection is costed (assumed default: dense).
    public var cost: HashCost = .dense
    public init() {}
}

public enum HashProjectionKind: String, Sendable, Equatable, CaseIterable {
    /// Kronecker product of seeded orthogonal factors (the hardware's form, ELSA III-C).
    case kronecker
    /// A dense `k × d` matrix with orthonormal rows (batches of d rows when k > d, ELSA III-B).
    case dense
    /// A `k × d` matrix read from `hash.matrix_file`.
    case matrixFile = "matrix-file"
}

/// One candidate selection module (ELSA IV-C): pipeline depth and output queue, both unstated in the paper.
public struct SelectorConfig: Sendable, Equatable {
    /// `D`: cycles from reading a key to its ID being visible in the output queue (assumed 3).
    public var pipelineDepth: Int = 3
    /// `Q`: output-queue slots (assumed 4).
    public var queueDepth: Int = 4
    public init() {}
}

public enum ArbiterPolicy: String, Sendable, Equatable, CaseIterable {
    case longestQueueFirst = "longest-queue-first"
    case roundRobin = "round-robin"
}

public enum BankMapping: String, Sendable, Equatable, CaseIterable {
    case contiguous
    case interleaved
}

/// The attention computation module (ELSA IV-C).
public struct AttentionConfig: Sendable, Equatable {
    /// `L_att`: cycles from issuing a key to its contribution being accumulated (assumed 4).
    public var latency: Int = 4
    /// `B_acc`: partial-result accumulators (query in progress + waiting for output division; assumed 2).
    public var accumulators: Int = 2
    public init() {}
}

/// The output division module (ELSA IV-C).
public struct OutputDivisionConfig: Sendable, Equatable {
    /// `m_o`: multipliers (ELSA: 16 with Pa = 4).
    public var multipliers: Int = 16
    /// `L_od`: cycles after its last busy cycle until the row is written (assumed 2).
    public var latency: Int = 2
    public init() {}
}

/// The norm computation module (ELSA IV-C; its timing is not given in the paper).
public struct NormConfig: Sendable, Equatable {
    /// Key norms per cycle; `nil` means `attention_modules` (one per attention module's adder tree).
    public var keysPerCycle: Int? = nil
    /// Square root, max and `t·‖K_max‖` latency (assumed 2).
    public var latency: Int = 2
    public init() {}
}

/// How candidates are chosen (ELSA III-E).
public struct ApproximationConfig: Sendable, Equatable {
    public var mode: ApproximationMode = .learned
    /// The hyperparameter p of threshold learning (ELSA III-E); `mode: learned` only.
    public var p: Double = 1.0
    /// Per-head thresholds file (`elsa-thresholds/1`); `mode: thresholds-file` only.
    public var thresholdsFile: String? = nil
    /// Which `n` the relevance cut-off `p/n` uses (the paper does not say whether padding counts).
    public var relevanceCount: RelevanceCount = .visibleKeys
    /// How the candidate selectors treat a trace's additive bias (assumed default `ignore`).
    public var bias: BiasPolicy = .ignore
    public init() {}
}

public enum ApproximationMode: String, Sendable, Equatable, CaseIterable {
    /// ELSA-base: every key is a candidate; no hashing, no preprocessing.
    case exact
    /// Thresholds learned with `p` on the simulated trace itself (unless a thresholds file is given).
    case learned
    /// Thresholds read from `approximation.thresholds_file`.
    case thresholdsFile = "thresholds-file"
}

public enum RelevanceCount: String, Sendable, Equatable, CaseIterable {
    /// `n` = keys the query may attend (real tokens; the causal prefix). Default.
    case visibleKeys = "visible-keys"
    /// `n` = the trace's sequence length including padding.
    case sequenceLength = "sequence-length"
}
