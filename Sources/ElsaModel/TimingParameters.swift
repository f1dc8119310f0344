import SimCore

/// The cycle-model constants of one head invocation (`docs/model.md` §2), derived from an `ElsaConfig`.
/// Both engines take exactly this, so they cannot disagree about a constant.
public struct TimingParameters: Sendable, Equatable {
    /// `Pa`.
    public var attentionModules: Int
    /// `Pc`.
    public var selectorsPerModule: Int
    /// `H`: hash cycles per vector.
    public var hashCycles: Cycle
    /// `D`: selector pipeline depth (`selector.pipeline_depth`, + 1 under `approximation.bias: lookup`).
    public var selectorDepth: Cycle
    /// `Q`: selector output-queue slots.
    public var queueDepth: Int
    /// `L_att`.
    public var attentionLatency: Cycle
    /// `B_acc`.
    public var accumulators: Int
    /// `II = ceil(d / m_o)`.
    public var outputDivisionCycles: Cycle
    /// `L_od`.
    public var outputDivisionLatency: Cycle
    /// `R_norm`.
    public var normKeysPerCycle: Int
    /// `L_norm`.
    public var normLatency: Cycle
    public var arbiter: ArbiterPolicy
    public var bankMapping: BankMapping
    /// Exact mode: no preprocessing, no hashing, every visible key is a candidate.
    public var exact: Bool
    /// Rule 1's attention condition (`pipeline.query_overlap`).
    public var queryOverlap: QueryOverlap
    /// How the preprocessing hash pass is timed (`hash.preprocessing`).
    public var hashPreprocessing: HashPreprocessing
    /// `M_h`: multiplies per hashed vector (only the pipelined preprocessing pass needs it).
    public var hashMultiplies: Int
    /// `m_h`: hash multipliers (only the pipelined preprocessing pass needs it).
    public var hashMultipliers: Int

    public init(attentionModules: Int, selectorsPerModule: Int, hashCycles: Cycle, selectorDepth: Cycle,
                queueDepth: Int, attentionLatency: Cycle, accumulators: Int, outputDivisionCycles: Cycle,
                outputDivisionLatency: Cycle, normKeysPerCycle: Int, normLatency: Cycle,
                arbiter: ArbiterPolicy, bankMapping: BankMapping, exact: Bool,
                queryOverlap: QueryOverlap = .runAhead, hashPreprocessing: HashPreprocessing = .wholeCycles,
                hashMultiplies: Int? = nil, hashMultipliers: Int = 1) {
        self.attentionModules = attentionModules
        self.selectorsPerModule = selectorsPerModule
        self.hashCycles = hashCycles
        self.selectorDepth = selectorDepth
        self.queueDepth = queueDepth
        self.attentionLatency = attentionLatency
        self.accumulators = accumulators
        self.outputDivisionCycles = outputDivisionCycles
        self.outputDivisionLatency = outputDivisionLatency
        self.normKeysPerCycle = normKeysPerCycle
        self.normLatency = normLatency
        self.arbiter = arbiter
        self.bankMapping = bankMapping
        self.exact = exact
        self.queryOverlap = queryOverlap
        self.hashPreprocessing = hashPreprocessing
        // Without M_h and m_h, a vector is H multiplies on one multiplier: both rules then agree.
        self.hashMultiplies = hashMultiplies ?? Int(hashCycles) * hashMultipliers
        self.hashMultipliers = hashMultipliers
    }

    public init(config: ElsaConfig) {
        let d = config.headDim
        self.init(attentionModules: config.attentionModules,
                  selectorsPerModule: config.selectorsPerModule,
                  hashCycles: Cycle((config.hashMultipliesPerVector + config.hash.multipliers - 1) / config.hash.multipliers),
                  selectorDepth: Cycle(config.effectiveSelectorDepth),
                  queueDepth: config.selector.queueDepth,
                  attentionLatency: Cycle(config.attention.latency),
                  accumulators: config.attention.accumulators,
                  outputDivisionCycles: Cycle((d + config.outputDivision.multipliers - 1) / config.outputDivision.multipliers),
                  outputDivisionLatency: Cycle(config.outputDivision.latency),
                  normKeysPerCycle: config.normKeysPerCycle,
                  normLatency: Cycle(config.norm.latency),
                  arbiter: config.arbiter,
                  bankMapping: config.bankMapping,
                  exact: config.isExact,
                  queryOverlap: config.pipeline.queryOverlap,
                  hashPreprocessing: config.hash.preprocessing,
                  hashMultiplies: config.hashMultipliesPerVector,
                  hashMultipliers: config.hash.multipliers)
    }

    /// Cycles of the hash unit's preprocessing pass over the `keys` keys and query 0 (`docs/model.md` §3):
    /// `H·(n+1)` (whole cycles) or `ceil((n+1)·M_h/m_h)` (pipelined); 0 in exact mode.
    public func preprocessingHashCycles(keys: Int) -> Cycle {
        guard !exact else { return 0 }
        switch hashPreprocessing {
        case .wholeCycles: return hashCycles * Cycle(keys + 1)
        case .pipelined: return (Cycle(keys + 1) * Cycle(hashMultiplies) + Cycle(hashMultipliers) - 1) / Cycle(hashMultipliers)
        }
    }

    /// Total candidate selectors `Pa·Pc`; selector `s` of bank `b` has index `b·Pc + s`.
    public var selectorCount: Int { attentionModules * selectorsPerModule }

    /// Bank and local index of key `key` among `keys` real keys (`docs/model.md` §2).
    @inlinable
    public func bank(ofKey key: Int, keys: Int) -> (bank: Int, local: Int) {
        switch bankMapping {
        case .contiguous:
            let perBank = (keys + attentionModules - 1) / attentionModules
            return (key / perBank, key % perBank)
        case .interleaved:
            return (key % attentionModules, key / attentionModules)
        }
    }

    /// The key at local index `local` of bank `bank` (inverse of `bank(ofKey:keys:)`).
    @inlinable
    public func key(bank: Int, local: Int, keys: Int) -> Int {
        switch bankMapping {
        case .contiguous: return bank * ((keys + attentionModules - 1) / attentionModules) + local
        case .interleaved: return local * attentionModules + bank
        }
    }

    /// Number of keys of bank `bank` among the first `visible` keys (a prefix of the bank, §2).
    @inlinable
    public func bankKeys(bank: Int, visible: Int, keys: Int) -> Int {
        switch bankMapping {
        case .contiguous:
            let perBank = (keys + attentionModules - 1) / attentionModules
            return max(0, min(perBank, visible - bank * perBank))
        case .interleaved:
            return visible > bank ? (visible - bank + attentionModules - 1) / attentionModules : 0
        }
    }
}
