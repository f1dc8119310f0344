/// What a run did with an additive attention bias: the config's `approximation.bias` policy and whether
/// the trace had a bias at all (`docs/reports.md`, "Attention bias").
public struct BiasUse: Sendable, Equatable {
    public var policy: BiasPolicy
    public var traceHasBias: Bool

    public init(policy: BiasPolicy = .ignore, traceHasBias: Bool = false) {
        self.policy = policy
        self.traceHasBias = traceHasBias
    }

    /// Whether the policy mattered to the run: the trace had a bias, or `lookup` added its pipeline stage
    /// and hardware. The human table and the CSV name the policy only then (so reports of runs that a
    /// bias cannot affect are unchanged); the JSON always does.
    public var isVisible: Bool { traceHasBias || policy == .lookup }
}
