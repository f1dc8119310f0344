/// A workload described by shape instead of by recorded tensors (`elsa-workload/1`, `docs/workloads.md`):
/// a model name, a seed and a list of layer entries (`WorkloadLayer`), each repeated `repeatCount` times.
/// The simulator turns it into synthetic q, k, v with `SyntheticTraceGenerator` — the concentrated
/// attention ELSA's premise rests on (§3.1) — a layer or a head at a time, so a large model's attention shapes
/// can be studied without exporting a trace or holding one in memory.
///
/// ## Expansion rule
/// The entries expand, in order, into `layerCount` layers numbered `0 ..< layerCount`. Layer `l` (from
/// entry `e`) is layer `l` of a `SyntheticTraceGenerator` with entry `e`'s shape and statistics, this
/// workload's `seed` and `layerCount` layers: its streams are seeded by `(seed, l, head, stream)`. A
/// workload of one entry is therefore exactly the trace `trace synth` writes with the same parameters and
/// `--no-out`, and every layer depends on nothing but the file (never on the thread count).
public struct AttentionWorkload: Sendable, Equatable {
    /// The `format` field that identifies a workload file.
    public static let format = "elsa-workload/1"

    /// Limits that keep any workload file's cost bounded (`docs/workloads.md`, "Limits").
    public enum Limits {
        /// Layer entries in a file.
        public static let entries = 1024
        /// Layers after expansion (Σ repeat).
        public static let layers = 1024
        /// `n` (a head's selection matrix is n² bits: 32 MiB at the limit).
        public static let n = 16_384
        /// Query heads of a layer.
        public static let heads = 1024
        /// Head dimension.
        public static let headDim = 4096
        /// Topic clusters per key/value head.
        public static let topics = 1024
        /// heads × n × headDim of one layer (its q, generated at once): `NpyReader.maxElements`, 2^27.
        public static let layerElements = 1 << 27
    }

    /// The generated traces' `model` field.
    public var model: String
    public var description: String?
    public var seed: UInt64
    public var entries: [WorkloadLayer]

    public init(model: String, description: String? = nil, seed: UInt64, entries: [WorkloadLayer]) {
        precondition(!entries.isEmpty, "a workload has at least one layer entry")
        self.model = model
        self.description = description
        self.seed = seed
        self.entries = entries
    }

    /// Layers after expanding every entry's `repeatCount`.
    public var layerCount: Int { entries.reduce(0) { $0 + $1.repeatCount } }

    /// The entry of every expanded layer, in layer order.
    public var entryOfLayer: [Int] {
        entries.indices.flatMap { e in Array(repeating: e, count: entries[e].repeatCount) }
    }

    /// The first expanded layer of entry `e`.
    public func firstLayer(ofEntry e: Int) -> Int { entries[..<e].reduce(0) { $0 + $1.repeatCount } }

    /// Whether every layer has the same shape (then the workload is one `AttentionTrace`).
    public var isUniform: Bool { entries.allSatisfy { $0.sameShape(as: entries[0]) } }

    /// Query-key pairs of all layers and heads (the work a simulation does), computed in Double.
    public var visiblePairs: Double {
        entries.reduce(0.0) { sum, e in
            let t = Double(e.realTokens)
            let perHead = e.causal ? t * (t + 1) / 2 : t * t
            return sum + Double(e.repeatCount) * Double(e.heads) * perHead
        }
    }

    /// The generator of entry `e` before its statistics are solved (`ResolvedWorkload` solves them).
    public func baseGenerator(entry e: Int) -> SyntheticTraceGenerator {
        let x = entries[e]
        return SyntheticTraceGenerator(layers: layerCount, heads: x.heads, kvHeads: x.kvHeads, n: x.n,
                                       headDim: x.headDim, seed: seed, tokens: x.realTokens, causal: x.causal,
                                       concentration: x.concentration ?? SyntheticTraceGenerator.defaultConcentration,
                                       topics: x.topics, model: model)
    }

    /// Solves every entry's statistics targets (concentration from `targetKeys90`, key-norm σ from
    /// `keyNormSpread`) in the order `trace synth` does: concentration, then σ at that concentration and
    /// the concentration again at that σ. Each entry is solved on its first layer's probe.
    ///
    /// - Throws: `WorkloadTargetError` naming the entry and field whose target is out of reach.
    public func resolved(threads: Int = 1) throws(WorkloadTargetError) -> ResolvedWorkload {
        var generators: [SyntheticTraceGenerator] = []
        var notes: [String] = []
        for e in entries.indices {
            var generator = baseGenerator(entry: e)
            let entry = entries[e], layer = firstLayer(ofEntry: e)
            func solveConcentration() throws(WorkloadTargetError) {
                guard let target = entry.targetKeys90 else { return }
                do {
                    let solution = try SyntheticConcentrationSolver(generator: generator, threads: threads)
                        .solve(target: target, layer: layer)
                    generator.concentration = solution.concentration
                } catch { throw WorkloadTargetError(entry: e, field: "target_keys90", error: error) }
            }
            try solveConcentration()
            if let cv = entry.keyNormSpread {
                do {
                    let solution = try SyntheticConcentrationSolver(generator: generator, threads: threads)
                        .solveKeyNormSigma(targetCV: cv, layer: layer, concentration: generator.concentration)
                    generator.keyNormSigma = solution.sigma
                } catch { throw WorkloadTargetError(entry: e, field: "key_norm_spread", error: error) }
                try solveConcentration()
            }
            var note = generator.traceDescription
            if let t = entry.targetKeys90 { note += " target_keys90=\(t)" }
            if let cv = entry.keyNormSpread { note += " target_key_norm_cv=\(cv)" }
            generators.append(generator)
            notes.append(note)
        }
        return ResolvedWorkload(workload: self, generators: generators, notes: notes)
    }
}

/// A statistics target of one workload entry that the synthetic generator cannot reach.
public struct WorkloadTargetError: Error, Sendable, Equatable {
    /// Index of the entry in `layers`.
    public var entry: Int
    /// The JSON field (`target_keys90` or `key_norm_spread`).
    public var field: String
    public var error: SyntheticTargetError
}

extension AttentionWorkload {
    /// The first `count` expanded layers as a workload of their own (entries cut, later ones dropped).
    /// Its layers are bit-identical to the same layers of `self`: a layer's seed depends on its index only.
    ///
    /// - Precondition: `1 ≤ count ≤ layerCount`.
    public func prefix(layers count: Int) -> AttentionWorkload {
        precondition(count >= 1 && count <= layerCount, "prefix of \(count) layers of \(layerCount)")
        var left = count
        var kept: [WorkloadLayer] = []
        for var entry in entries where left > 0 {
            entry.repeatCount = min(entry.repeatCount, left)
            left -= entry.repeatCount
            kept.append(entry)
        }
        return AttentionWorkload(model: model, description: description, seed: seed, entries: kept)
    }
}
