import SimCore

/// The module kinds a report names (`docs/model.md` §5).
public enum ModuleKind: String, Sendable, CaseIterable {
    case hash
    case norm
    case candidateSelection = "candidate_selection"
    case attention
    case outputDivision = "output_division"
}

/// Which module kind bounds an invocation's execution phase (`docs/model.md` §5, "bottleneck").
///
/// The bottleneck is the kind whose **busiest instance** has the highest busy share of the execution
/// phase (Σ over heads of that head's busiest instance's execution-phase busy cycles / Σ over heads of
/// X: the `peak` reported per kind, `peak_*` in sweep rows). In a pipeline the limiting stage is the
/// busiest one, and a kind with several instances (selectors, attention modules) is limited by its
/// busiest instance, since keys are statically assigned to instances and an idle sibling cannot take
/// over its work; the mean over instances would hide one saturated module among idle ones.
/// Preprocessing work (the hash unit's `H·(n+1)` cycles, the norm unit) does not count. Each kind's *pressure*, (busy + blocked) / T, is
/// reported beside it: stages upstream of the bottleneck show high pressure from back-pressure, which is
/// why pressure alone cannot name the bottleneck (the hash unit, first stage and double-buffered, is
/// blocked whenever it is not hashing, so its pressure is near 1 in every run). Ties go to the kind
/// listed first in `ModuleKind`.
public struct Bottleneck: Sendable, Equatable {
    public var kind: ModuleKind
    /// Busy share of that kind's busiest instance (its `peak`), in [0, 1].
    public var share: Double
    /// Every kind's execution-phase busy share of its busiest instance (`norm` is 0: it works only in
    /// preprocessing); `kind` is the argmax.
    public var peak: [ModuleKind: Double] = [:]
    /// (busy + blocked) / X of every kind, execution phase only.
    public var pressure: [ModuleKind: Double]

    public init(kind: ModuleKind, share: Double, pressure: [ModuleKind: Double] = [:]) {
        self.kind = kind
        self.share = share
        self.pressure = pressure
    }

    /// - Parameter hashPreprocessingBusy: the hash unit's busy cycles in preprocessing (`H·(n+1)`, or 0 in
    ///   exact mode), subtracted to leave its execution-phase work.
    public init(_ t: HeadTiming, hashPreprocessingBusy: Cycle) {
        self.init(heads: [(t, hashPreprocessingBusy)])
    }

    /// A layer's bottleneck: the same rule over the layer's heads, cycle-weighted.
    public init(heads: [(timing: HeadTiming, hashPreprocessingBusy: Cycle)]) {
        var best: (kind: ModuleKind, share: Double) = (.hash, -1)
        var pressure: [ModuleKind: Double] = [:]
        var peak: [ModuleKind: Double] = [:]
        for kind in ModuleKind.allCases {
            var busy: Cycle = 0, blocked: Cycle = 0, capacity: Cycle = 0
            var busiest: Cycle = 0, execution: Cycle = 0
            for (t, preprocessingHash) in heads {
                let units = Bottleneck.units(t, kind)
                // Execution-phase busy cycles of each instance: the hash unit's preprocessing hashing and
                // the norm unit (preprocessing only) do not count.
                let preprocessing: Cycle = kind == .hash ? preprocessingHash : kind == .norm ? t.norm.busy : 0
                busy += units.reduce(0) { $0 + $1.busy } - preprocessing
                busiest += max(0, (units.map(\.busy).max() ?? 0) - preprocessing)
                execution += t.executionCycles
                blocked += units.reduce(0) { $0 + $1.blocked }
                capacity += t.executionCycles * Cycle(units.count)
            }
            pressure[kind] = capacity == 0 ? 0 : Double(busy + blocked) / Double(capacity)
            let share = execution == 0 ? 0 : Double(busiest) / Double(execution)
            peak[kind] = share
            if share > best.share { best = (kind, share) }
        }
        self.init(kind: best.kind, share: best.share, pressure: pressure)
        self.peak = peak
    }

    static func units(_ t: HeadTiming, _ kind: ModuleKind) -> [UnitActivity] {
        switch kind {
        case .hash: return [t.hash]
        case .norm: return [t.norm]
        case .candidateSelection: return t.selectors
        case .attention: return t.attention
        case .outputDivision: return [t.outputDivision]
        }
    }
}
