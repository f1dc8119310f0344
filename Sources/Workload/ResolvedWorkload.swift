/// An `AttentionWorkload` whose statistics targets are solved: one `SyntheticTraceGenerator` per entry,
/// ready to draw any layer on demand (`docs/workloads.md`, "Generation"). Drawing a layer costs
/// O(heads · n · headDim) Gaussian draws and holds that layer only.
public struct ResolvedWorkload: Sendable {
    public var workload: AttentionWorkload
    /// The generator of each entry (solved concentration and key-norm σ), in entry order.
    public var generators: [SyntheticTraceGenerator]
    /// The generator parameters of each entry, as the trace `description` states them.
    public var notes: [String]

    public init(workload: AttentionWorkload, generators: [SyntheticTraceGenerator], notes: [String]) {
        precondition(generators.count == workload.entries.count && notes.count == generators.count,
                     "one generator and note per entry")
        self.workload = workload
        self.generators = generators
        self.notes = notes
    }

    public var layerCount: Int { workload.layerCount }

    /// Expanded layer `layer` (named `layer<l>`) as a one-layer trace without `out`.
    ///
    /// - Precondition: `0 ≤ layer < layerCount`.
    public func layerTrace(_ layer: Int, threads: Int = 1) -> AttentionTrace {
        let entry = workload.entryOfLayer[layer]
        let generator = generators[entry]
        let drawn = generator.generateLayer(layer, withOutput: false, threads: threads)
        return AttentionTrace(model: generator.model, description: notes[entry], scale: generator.scale,
                              causal: generator.causal, tokens: generator.tokens, layers: [drawn])
    }

    /// Layers `layers` (default: all) as one trace, or `nil` when they differ in shape (an `AttentionTrace`
    /// has one n, d and head count). Holds every one of them in memory.
    public func trace(layers: Range<Int>? = nil, threads: Int = 1) -> AttentionTrace? {
        let range = layers ?? 0 ..< layerCount
        let entryOf = workload.entryOfLayer
        guard let first = range.first else { return nil }
        let e0 = entryOf[first]
        guard range.allSatisfy({ workload.entries[entryOf[$0]].sameShape(as: workload.entries[e0]) }) else { return nil }
        let generator = generators[e0]
        let drawn = range.map { generators[entryOf[$0]].generateLayer($0, withOutput: false, threads: threads) }
        let description = Array(Set(range.map { entryOf[$0] })).sorted().map { notes[$0] }.joined(separator: "; ")
        return AttentionTrace(model: generator.model, description: description, scale: generator.scale,
                              causal: generator.causal, tokens: generator.tokens, layers: drawn)
    }
}
