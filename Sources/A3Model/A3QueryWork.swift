/// What one query asks of the A^3 pipeline: the functional model's counts that the timing rules turn
/// into cycles (`docs/a3.md` §3).
public struct A3QueryWork: Sendable, Equatable, Hashable {
    /// `v`: keys the query may attend.
    public var visible: Int
    /// Greedy-search iterations performed (0 in base A^3).
    public var iterations: Int
    /// `C`: candidates (rows with a positive greedy score; `v` in base A^3).
    public var candidates: Int
    /// `K`: keys kept by post-scoring selection (`v` in base A^3).
    public var kept: Int

    public init(visible: Int, iterations: Int, candidates: Int, kept: Int) {
        precondition(visible >= 0 && iterations >= 0 && candidates >= 0 && kept >= 0 && kept <= candidates && candidates <= visible,
                     "inconsistent query work v \(visible) M \(iterations) C \(candidates) K \(kept)")
        self.visible = visible
        self.iterations = iterations
        self.candidates = candidates
        self.kept = kept
    }

    /// Base A^3: every visible key is scored, exponentiated and accumulated.
    public static func exact(visible: Int) -> A3QueryWork {
        A3QueryWork(visible: visible, iterations: 0, candidates: visible, kept: visible)
    }
}

/// The modules of the A^3 pipeline, in pipeline order (A^3 §III-C, §IV-C).
public enum A3Stage: Int, Sendable, CaseIterable, CustomStringConvertible {
    case candidateSelection
    case dotProduct
    case exponent
    case output

    public var description: String {
        switch self {
        case .candidateSelection: return "candidate selection"
        case .dotProduct: return "dot product"
        case .exponent: return "exponent"
        case .output: return "output"
        }
    }
}

/// The per-query module occupancy rules (cycles, `docs/a3.md` §3): how long each module holds a query.
public struct A3TimingRules: Sendable, Equatable {
    public let config: A3Config

    public init(config: A3Config) { self.config = config }

    /// The modules a query passes through: three in base A^3, four with the candidate selector in front.
    public var stages: [A3Stage] {
        config.approximation.enabled ? A3Stage.allCases : [.dotProduct, .exponent, .output]
    }

    /// Cycles module `stage` works on a query with `work` (its busy time; the query may then wait,
    /// blocked, until the next module is free).
    ///
    /// - Base A^3 (§III-C): dot product `v + α_dp`, exponent `v + α_exp`, output `v + 7 + 2`.
    /// - Approximate A^3 (§IV-C): candidate selection `init + M + c`; dot product
    ///   `max(C, ⌈v / scan⌉) + α_dp` (candidates arrive one per cycle from the 16-wide scan);
    ///   exponent `⌈C / 16⌉ + K + α_exp` (post-scoring in front); output `K + 9`.
    public func duration(_ stage: A3Stage, _ work: A3QueryWork) -> Int64 {
        let p = config.pipeline
        guard config.approximation.enabled else {
            switch stage {
            case .candidateSelection: return 0
            case .dotProduct: return Int64(work.visible + p.dotProductOverhead)
            case .exponent: return Int64(work.visible + p.exponentOverhead)
            case .output: return Int64(work.visible + p.outputOverhead)
            }
        }
        let cs = config.candidateSelection
        switch stage {
        case .candidateSelection:
            return Int64(cs.initCycles + work.iterations + cs.loopLatency)
        case .dotProduct:
            return Int64(max(work.candidates, ceilDiv(work.visible, cs.scanWidth)) + p.dotProductOverhead)
        case .exponent:
            return Int64(ceilDiv(work.candidates, config.postScoring.entriesPerCycle) + work.kept + p.exponentOverhead)
        case .output:
            return Int64(work.kept + p.outputOverhead)
        }
    }

    /// Every module's duration for every query, `[stage][query]`, in `stages` order.
    public func durations(_ work: [A3QueryWork]) -> [[Int64]] {
        stages.map { stage in work.map { duration(stage, $0) } }
    }
}

@inline(__always)
func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
