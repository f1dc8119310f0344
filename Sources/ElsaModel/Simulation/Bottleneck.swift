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
/// The bottleneck is the kind with the highest busy share of the execution phase (mean over its
/// instances of execution-phase busy cycles / X): in a pipeline the limiting stage is the busiest one.
/// Preprocessing work (the hash unit's `H·(n+1)` cycles, the norm unit) does not count. Each kind's *pressure*, (busy + blocked) / T, is
/// reported beside it: stages upstream of the bottleneck show high pressure from back-pressure, which is
/// why pressure alone cannot name the bottleneck (the hash unit, first stage and double-buffered, is
/// blocked whenever it is not hashing, so its pressure is near 1 in every run). Ties go to the kind
/// listed first in `ModuleKind`.
public struct Bottleneck: Sendable, Equatable {
    public var kind: ModuleKind
    /// Busy share of that kind, in [0, 1].
    public var share: Double
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
        var best: (ModuleKind, Double)? = nil
        var pressure: [ModuleKind: Double] = [:]
        for kind in ModuleKind.allCases {
            var busy: Cycle = 0, blocked: Cycle = 0, capacity: Cycle = 0
            for (t, preprocessingHash) in heads {
                let units = Bottleneck.units(t, kind)
                busy += units.reduce(0) { $0 + $1.busy }
                switch kind {
                case .hash: busy -= preprocessingHash
                case .norm: busy -= t.norm.busy
                default: break
                }
                blocked += units.reduce(0) { $0 + $1.blocked }
                capacity += t.executionCycles * Cycle(units.count)
            }
            let share = capacity == 0 ? 0 : Double(busy) / Double(capacity)
            pressure[kind] = capacity == 0 ? 0 : Double(busy + blocked) / Double(capacity)
            if best == nil || share > best!.1 { best = (kind, share) }
        }
        self.init(kind: best!.0, share: best!.1, pressure: pressure)
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
