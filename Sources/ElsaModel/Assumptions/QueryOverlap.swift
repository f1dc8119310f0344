/// How far the candidate selectors may run ahead of the attention modules between queries
/// (`docs/model.md` §4 rule 1; `pipeline.query_overlap`). ELSA IV-C says only that the next query's hash
/// and the previous query's output division overlap the current query; whether the selectors may start
/// query i+1 while an attention module still finishes query i is not stated (assumed).
public enum QueryOverlap: String, Sendable, Equatable, CaseIterable {
    /// Query i+1 starts once every attention module has left query i−1 (two queries in a bank at once).
    case runAhead = "run-ahead"
    /// Query i+1 starts only once every attention module has left query i.
    case barrier
}

/// The pipeline-level choices that are not one module's (`pipeline.*` in the config).
public struct PipelineConfig: Sendable, Equatable {
    /// Rule 1's attention condition (assumed default: run-ahead, the simulator's original rule).
    public var queryOverlap: QueryOverlap = .runAhead
    public init() {}
}
